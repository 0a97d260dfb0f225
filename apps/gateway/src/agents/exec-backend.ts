import { spawn } from "node:child_process";
import { GatewayErrorCode } from "../errors/gateway-error.ts";
import type { AgentBackend } from "./agent-backend.ts";
import { AgentError } from "./agent-error.ts";
import { parseAgentReply } from "./agent-reply-schema.ts";

/** Settings of {@link createExecBackend} (the `exec` backend config block, defaults applied). */
export interface ExecBackendSettings {
  /** argv; `command[0]` is looked up on PATH; never run through a shell. */
  command: string[];
  timeoutMs: number;
  /** Extra environment variables. */
  env?: Record<string, string> | undefined;
}

/** Injectable edges of {@link createExecBackend}. */
export interface ExecBackendDeps {
  /** The gateway's environment; only PATH, HOME, LANG, LC_ALL, TMPDIR, USER and TZ are passed on. */
  env?: NodeJS.ProcessEnv;
  /** Largest stdout accepted, in bytes; default 1 MiB. */
  maxOutputBytes?: number;
  /** How long after SIGTERM the process group gets SIGKILL; default 2000 ms. */
  killGraceMs?: number;
}

const passThroughEnv = ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "TZ"] as const;

/**
 * A backend that runs a command per turn: the turn as one JSON line on stdin, `{"text": "…"}` (or a rich
 * reply, see `agent-reply-schema.ts`) on stdout.
 * The command runs without a shell in its own process group with a small environment (the gateway's
 * secrets are not inherited); on timeout or abort the group gets SIGTERM, then SIGKILL. A non-zero exit,
 * oversized output or invalid JSON is an error.
 */
export function createExecBackend(settings: ExecBackendSettings, deps: ExecBackendDeps = {}): AgentBackend {
  const parentEnv = deps.env ?? process.env;
  const maxOutput = deps.maxOutputBytes ?? 1024 * 1024;
  const killGraceMs = deps.killGraceMs ?? 2000;
  const [file, ...args] = settings.command;
  if (!file) throw new Error("exec backend needs a non-empty command");
  const name = settings.command.join(" ");
  const childEnv: NodeJS.ProcessEnv = {};
  for (const key of passThroughEnv) if (parentEnv[key] !== undefined) childEnv[key] = parentEnv[key];
  Object.assign(childEnv, settings.env ?? {});

  return {
    kind: "exec",
    reply(turn, { signal }) {
      return new Promise((resolve, reject) => {
        if (signal.aborted) {
          reject(
            failure(
              GatewayErrorCode.AgentAborted,
              `The exec backend was not started because the gateway is stopping.`,
            ),
          );
          return;
        }
        const child = spawn(file, args, {
          env: childEnv,
          stdio: ["pipe", "pipe", "pipe"],
          detached: true,
          shell: false,
        });
        const stdout: Buffer[] = [];
        let stdoutBytes = 0;
        let stderrTail = "";
        let ending: AgentError | undefined;
        let killTimer: NodeJS.Timeout | undefined;

        const killGroup = (reason: AgentError) => {
          if (ending) return;
          ending = reason;
          signalGroup("SIGTERM");
          killTimer = setTimeout(() => signalGroup("SIGKILL"), killGraceMs);
        };
        const signalGroup = (sig: NodeJS.Signals) => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, sig);
          } catch {
            // Already gone.
          }
        };
        const timer = setTimeout(
          () =>
            killGroup(
              failure(
                GatewayErrorCode.AgentTimeout,
                `The exec backend \`${name}\` did not finish within ${settings.timeoutMs} ms and was killed; raise backend.timeoutMs or make the command faster.`,
              ),
            ),
          settings.timeoutMs,
        );
        const onAbort = () =>
          killGroup(
            failure(
              GatewayErrorCode.AgentAborted,
              `The exec backend \`${name}\` was killed because the gateway is stopping.`,
            ),
          );
        signal.addEventListener("abort", onAbort, { once: true });

        child.stdout.on("data", (chunk: Buffer) => {
          stdoutBytes += chunk.length;
          if (stdoutBytes > maxOutput) {
            killGroup(
              failure(
                GatewayErrorCode.AgentBadResponse,
                `The exec backend \`${name}\` printed more than ${maxOutput} bytes and was killed; print one JSON object with a "text" field.`,
              ),
            );
            return;
          }
          stdout.push(chunk);
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stderrTail = (stderrTail + chunk.toString("utf8")).slice(-2000);
        });
        // The command may exit without reading stdin; that is its business, not an error.
        child.stdin.on("error", () => {});
        child.stdin.end(`${JSON.stringify(turn)}\n`);

        child.on("error", (error) => {
          cleanup();
          reject(
            failure(
              GatewayErrorCode.AgentFailed,
              `The exec backend could not start \`${file}\` (${(error as NodeJS.ErrnoException).code ?? error.message}); check backend.command and PATH.`,
              error,
            ),
          );
        });
        child.on("close", (code, sig) => {
          cleanup();
          if (ending) {
            reject(ending);
            return;
          }
          if (code !== 0) {
            reject(
              failure(
                GatewayErrorCode.AgentFailed,
                `The exec backend \`${name}\` exited with ${code === null ? `signal ${sig}` : `code ${code}`}; see its stderr in the log and fix the command.`,
                stderrTail.trim() || undefined,
              ),
            );
            return;
          }
          const text = Buffer.concat(stdout).toString("utf8").trim();
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch (error) {
            reject(
              failure(
                GatewayErrorCode.AgentBadResponse,
                `The exec backend \`${name}\` did not print JSON; print one object like {"text": "reply"}.`,
                error,
              ),
            );
            return;
          }
          try {
            resolve(parseAgentReply(json, { backend: "exec", name }));
          } catch (error) {
            reject(error);
          }
        });

        function cleanup() {
          clearTimeout(timer);
          if (killTimer) clearTimeout(killTimer);
          signal.removeEventListener("abort", onAbort);
        }
      });
    },
  };
}

function failure(
  code:
    | typeof GatewayErrorCode.AgentTimeout
    | typeof GatewayErrorCode.AgentBadResponse
    | typeof GatewayErrorCode.AgentFailed
    | typeof GatewayErrorCode.AgentAborted,
  message: string,
  cause?: unknown,
): AgentError {
  // Only a command that cannot be started is a config error; timeouts, crashes and bad output may pass.
  const retryable = code !== GatewayErrorCode.AgentAborted && !isConfigStartError(cause);
  return new AgentError(code, message, { backend: "exec", cause, retryable });
}

/** `spawn` failures that no retry can fix: the command is missing or not executable. */
function isConfigStartError(cause: unknown): boolean {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "EACCES" || code === "ENOTDIR";
}
