import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSimDb, freePort, IMSG_BIN, injectMessage, waitFor } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sentTexts } from "./testing/sim-chat.ts";

const FRIEND = "+15550003333";
const OTHER = "+15550004444";
const SELF = "me@icloud.com";
const MAIN = new URL("./main.ts", import.meta.url).pathname;

let dir: string;
let dbPath: string;
let port: number;
let configPath: string;
const children = new Set<ChildProcess>();

/** A slow exec agent: notes that it started (one file per call), waits, then echoes the text. */
function writeAgent(): string {
  const path = join(dir, "slow-agent.mjs");
  writeFileSync(
    path,
    `import { writeFileSync } from "node:fs";
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const turn = JSON.parse(input);
  writeFileSync(${JSON.stringify(join(dir, "calls"))} + "/" + Date.now() + "-" + process.pid, turn.text);
  setTimeout(() => process.stdout.write(JSON.stringify({ text: "slow: " + turn.text })), 1500);
});
`,
  );
  return path;
}

function writeConfig(shutdownTimeoutMs: number): void {
  writeFileSync(
    configPath,
    JSON.stringify({
      channels: {
        imessage: { cliPath: IMSG_BIN, dbPath, dmPolicy: "allowlist", allowFrom: [FRIEND, OTHER] },
      },
      agents: {
        list: [
          {
            id: "slow",
            default: true,
            backend: {
              type: "exec",
              command: [process.execPath, join(dir, "slow-agent.mjs")],
              timeoutMs: 30_000,
            },
          },
        ],
      },
      gateway: { http: { host: "127.0.0.1", port }, shutdownTimeoutMs },
    }),
  );
}

/** Starts `imgate gateway` (main.ts) as a child process and waits until /readyz says ready. */
async function startChild(): Promise<{
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}> {
  let output = "";
  const child = spawn(process.execPath, ["--conditions=@imgate/source", MAIN, "--config", configPath], {
    env: { ...process.env, IMGATE_STATE_DIR: join(dir, "state"), IMSG_SIM_POLL_MS: "50", IMGATE_TOKEN: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  await waitFor(
    async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      return response?.status === 200 ? true : undefined;
    },
    `the gateway to be ready (output: ${output.slice(-500)})`,
  );
  return { child, output: () => output, exit };
}

function calls(): string[] {
  return readdirSync(join(dir, "calls"));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "imgate-gateway-shutdown-"));
  dbPath = createSimDb(dir);
  port = await freePort();
  configPath = join(dir, "imgate.json5");
  writeAgent();
  mkdirSync(join(dir, "calls"));
});

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  // Set in beforeAll: undefined when it failed early; a second error here would hide the first.
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("graceful shutdown of the gateway process", () => {
  it("abandons a turn past the deadline, exits 0, and answers it exactly once on the next start", async () => {
    writeConfig(200);
    const first = await startChild();
    const message = injectMessage(dbPath, { from: FRIEND, text: "take your time", selfHandle: SELF });
    await waitFor(() => (calls().length === 1 ? true : undefined), "the agent to start");
    first.child.kill("SIGTERM");
    expect(await first.exit).toBe(0);
    expect(first.output()).not.toContain("SQLite is an experimental feature");
    expect(first.output()).not.toContain("stopped trying");
    expect(sentTexts(dbPath, message.chatId)).toEqual([]);

    writeConfig(20_000);
    const second = await startChild();
    await waitFor(() => sentTexts(dbPath, message.chatId)[0], "the replayed reply");
    // A message whose turn is in flight at SIGTERM: the deadline is long enough, so it is answered before exit.
    const late = injectMessage(dbPath, { from: OTHER, text: "one more", selfHandle: SELF });
    await waitFor(() => (calls().length === 3 ? true : undefined), "the second agent call");
    second.child.kill("SIGTERM");
    expect(await second.exit).toBe(0);
    expect(sentTexts(dbPath, late.chatId)).toEqual(["slow: one more"]);
    expect(sentTexts(dbPath, message.chatId)).toEqual(["slow: take your time"]);
    expect(existsSync(join(dir, "state", "state.db"))).toBe(true);
  });
});
