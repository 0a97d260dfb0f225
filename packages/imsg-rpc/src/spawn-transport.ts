import {
  type ChildProcessWithoutNullStreams,
  spawn as nodeSpawn,
  type SpawnOptionsWithoutStdio,
} from "node:child_process";
import { basename } from "node:path";
import { ImsgSpawnError } from "./imsg-error.ts";
import type { ExitInfo, ImsgProcess, ImsgTransport } from "./transport.ts";

/** The subset of `child_process.spawn` the transport uses; injectable for tests. */
export type SpawnFunction = (
  command: string,
  args: readonly string[],
  options: SpawnOptionsWithoutStdio,
) => ChildProcessWithoutNullStreams;

/** Options of {@link spawnTransport}. */
export interface SpawnTransportOptions {
  /** The imsg binary (or a wrapper script with the same CLI). */
  cliPath: string;
  /** `--db` for `imsg rpc`; omitted when absent (imsg's default `~/Library/Messages/chat.db`). */
  dbPath?: string;
  /** Extra arguments after `rpc [--db P]`, e.g. `["--json"]`. */
  args?: readonly string[];
  /** Environment variables added to (or, with `undefined`, removed from) the inherited environment. */
  env?: Record<string, string | undefined>;
  /** Replaces `child_process.spawn`. */
  spawn?: SpawnFunction;
}

/** Runs `<cliPath> rpc [--db P] [...args]` as a local child process for each (re)start. */
export function spawnTransport(options: SpawnTransportOptions): ImsgTransport {
  const spawn = options.spawn ?? nodeSpawn;
  const args = ["rpc", ...(options.dbPath ? ["--db", options.dbPath] : []), ...(options.args ?? [])];
  const name = basename(options.cliPath);
  return () =>
    new Promise<ImsgProcess>((resolve, reject) => {
      let child: ChildProcessWithoutNullStreams;
      try {
        child = spawn(options.cliPath, args, {
          stdio: "pipe",
          // Its own process group: a Ctrl-C at the terminal (SIGINT to the whole foreground group) reaches
          // only the gateway, which stops imsg itself, instead of killing imsg first and logging a crash.
          // Without the gateway, imsg still ends: its stdin closes.
          detached: true,
          env: options.env ? mergeEnv(options.env) : undefined,
        } as SpawnOptionsWithoutStdio);
      } catch (error) {
        reject(new ImsgSpawnError(`${name} rpc`, error));
        return;
      }
      // EPIPE on a child that exited is reported by the writer; never let it crash the process.
      child.stdin.on("error", () => {});
      const exited = new Promise<ExitInfo>((settle) => {
        child.once("close", (code, signal) => settle({ code, signal }));
      });
      child.once("error", (error) => reject(new ImsgSpawnError(`${name} rpc`, error)));
      child.once("spawn", () => {
        resolve({
          stdout: child.stdout,
          stdin: child.stdin,
          stderr: child.stderr,
          exited,
          kill: (signal = "SIGTERM") => {
            child.kill(signal);
          },
          describe: `${name} rpc (pid ${child.pid})`,
          pid: child.pid,
          binary: options.cliPath,
        });
      });
    });
}

function mergeEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
