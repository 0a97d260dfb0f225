/**
 * The running demo (workspace, gateway process, chat.db observer) and what the demo's script does to it:
 * inject messages with the imsg stand-in, run this CLI, wait for the gateway's readiness, replies and log
 * lines, and stop the gateway.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { CliError } from "../cli-error.ts";
import { type ChildOutput, collectChildOutput } from "../collect-child-output.ts";
import { callControlApi, controlApiAddress } from "../control-api-client.ts";
import type { ChatDbObserver, SentMessage } from "./chat-db-observer.ts";
import { type DemoWorkspace, imsgSim } from "./demo-workspace.ts";

/** How long one step of the demo may wait for the gateway (ms). */
export const STEP_TIMEOUT_MS = 60_000;

/** The running demo: workspace, gateway process, observer. */
export interface DemoRun {
  workspace: DemoWorkspace;
  gateway: ChildProcess;
  gatewayExit: Promise<number | null>;
  logPath: string;
  observer: ChatDbObserver;
  env: NodeJS.ProcessEnv;
}

/** Runs a process to completion, collecting its output. */
function runProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ChildOutput> {
  return collectChildOutput(spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] }));
}

/** Injects an incoming message (or a tapback, or a group message) into the demo's chat.db with `imsg-sim inject`. */
export async function inject(
  run: DemoRun,
  message: {
    from: string;
    text: string;
    group?: { id: string; name: string; participants: string[] };
    /** A tapback (`love`, `like`, …) on the message with this guid, instead of text. */
    reaction?: { kind: string; on: string };
  },
): Promise<void> {
  const args = ["inject", "--db", run.workspace.dbPath, "--from", message.from, "--text", message.text];
  if (message.reaction) args.push("--reaction", message.reaction.kind, "--reacted-to", message.reaction.on);
  if (message.group) {
    args.push("--chat-identifier", message.group.id, "--group", "--name", message.group.name);
    if (message.group.participants.length > 0)
      args.push("--participants", message.group.participants.join(","));
  }
  const result = await runProcess(imsgSim.tool, args, run.env);
  if (result.code !== 0) {
    throw new CliError("CLI_FAILED", `imsg-sim inject failed: ${(result.stderr || result.stdout).trim()}`);
  }
}

/** Runs this same CLI (same Node, same flags) as a child, e.g. `pairing approve`. */
export function runSelf(run: DemoRun, args: readonly string[]) {
  return runProcess(process.execPath, [...process.execArgv, process.argv[1]!, ...args], run.env);
}

/** The last lines of the gateway's log, for error messages. */
export function gatewayLogTail(logPath: string): string {
  try {
    return readFileSync(logPath, "utf8").trim().split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Waits until the gateway answers `/readyz` with 200; fails with its log when it exits or takes too long. */
export async function waitUntilReady(run: DemoRun): Promise<void> {
  const address = controlApiAddress({ port: run.workspace.port }, run.env);
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let exited = false;
  void run.gatewayExit.then(() => {
    exited = true;
  });
  let last = "";
  while (Date.now() < deadline) {
    if (exited) {
      throw new CliError(
        "CLI_FAILED",
        `The gateway exited during startup; its log ends with:\n${gatewayLogTail(run.logPath)}`,
      );
    }
    try {
      const response = await callControlApi(address, "GET", "/readyz", undefined, { timeoutMs: 2_000 });
      if (response?.status === 200) return;
      if (response) last = JSON.stringify(response.body);
    } catch (error) {
      last = (error as Error).message;
    }
    await delay(200);
  }
  throw new CliError(
    "CLI_FAILED",
    `The gateway did not become ready within ${STEP_TIMEOUT_MS / 1000} s (${last || "no answer"}); see ${run.logPath}.`,
  );
}

/** Waits for a message the gateway sent that `match`es; `onOther` sees the gateway's other sends meanwhile. */
export async function waitForReply(
  run: DemoRun,
  what: string,
  match: (message: SentMessage) => boolean,
  onOther?: (message: SentMessage) => void,
): Promise<SentMessage> {
  try {
    return await run.observer.waitFor((m) => m.fromMe && match(m), {
      timeoutMs: STEP_TIMEOUT_MS,
      what,
      onOther: (m) => {
        if (m.fromMe) onOther?.(m);
      },
    });
  } catch (error) {
    throw new CliError(
      "CLI_FAILED",
      `The demo did not see ${what} (${(error as Error).message}); the gateway log ends with:\n${gatewayLogTail(run.logPath)}`,
      { cause: error },
    );
  }
}

/** Waits until the gateway's log file has a line containing `text`. */
export async function waitForLogLine(run: DemoRun, text: string, what: string): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      if (readFileSync(run.logPath, "utf8").includes(text)) return;
    } catch {
      // The log file appears with the gateway's first line.
    }
    await delay(100);
  }
  throw new CliError("CLI_FAILED", `The demo did not see ${what}; see ${run.logPath}.`);
}

/** Stops the gateway with SIGTERM, and SIGKILL when it has not exited within 15 s. */
export async function stopGateway(run: DemoRun): Promise<void> {
  if (run.gateway.exitCode !== null || run.gateway.signalCode !== null) return;
  run.gateway.kill("SIGTERM");
  const exited = await Promise.race([run.gatewayExit.then(() => true), delay(15_000).then(() => false)]);
  if (!exited) {
    run.gateway.kill("SIGKILL");
    await run.gatewayExit;
  }
}
