import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir } from "./__fixtures__/temp-dir.ts";
import { runWriterLoop } from "./__fixtures__/writer-loop.ts";
import { createHistoryStore } from "./history-store.ts";
import { createInboundDedupe } from "./inbound-dedupe.ts";
import { createOutbox } from "./outbox.ts";
import { createPairingService } from "./pairing-service.ts";
import { openStateStore } from "./state-store.ts";

const WRITER = fileURLToPath(new URL("./__fixtures__/concurrent-writer.ts", import.meta.url));
const COUNT = 300;

let dir: string;
let cleanup: () => void;
let child: ChildProcess | undefined;
beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  cleanup();
});

/** Resolves with the child's stdout once it contains `line`; rejects if the child exits first. */
function waitForLine(proc: ChildProcess, line: string, output: { text: string; err: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (output.text.split("\n").includes(line)) {
        proc.stdout?.off("data", check);
        proc.off("exit", onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`writer exited (${code}) before "${line}": ${output.err}`));
    proc.stdout?.on("data", check);
    proc.once("exit", onExit);
    check();
  });
}

describe("two processes sharing one state.db", () => {
  it("approve pairing codes and record entries at the same time without losing a write", async () => {
    const path = join(dir, "state.db");
    const store = openStateStore({ path, busyTimeoutMs: 60_000 });
    child = spawn(process.execPath, ["--no-warnings", WRITER, path, "child", String(COUNT)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const output = { text: "", err: "" };
    child.stdout?.on("data", (chunk: Buffer) => {
      output.text += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output.err += chunk.toString();
    });
    await waitForLine(child, "ready", output);
    const exited = new Promise<number | null>((resolve) => child?.once("exit", resolve));
    await new Promise<void>((resolve, reject) =>
      child?.stdin?.write("go\n", (error) => (error ? reject(error) : resolve())),
    );
    // Start our own writes only once the child has begun its loop, so the two really overlap.
    await waitForLine(child, "started", output);

    runWriterLoop(
      {
        pairing: createPairingService({ store, maxRepliesPerHour: 1_000_000 }),
        history: createHistoryStore(store),
        dedupe: createInboundDedupe({ store }),
        outbox: createOutbox({ store, requireReconcile: false }),
      },
      "parent",
      COUNT,
    );

    expect(await exited).toBe(0);
    expect(output.text).toContain("done");
    const count = (sql: string) => (store.read((db) => db.prepare(sql).get()) as { n: number }).n;
    expect(count("SELECT count(*) AS n FROM approved_senders")).toBe(2 * COUNT);
    expect(count("SELECT count(*) AS n FROM approved_senders WHERE sender LIKE 'child-%'")).toBe(COUNT);
    expect(count("SELECT count(*) AS n FROM pairing_requests")).toBe(0);
    expect(count("SELECT count(*) AS n FROM history WHERE session_key = 'shared-session'")).toBe(2 * COUNT);
    expect(count("SELECT count(*) AS n FROM inbound_seen")).toBe(2 * COUNT);
    expect(count("SELECT count(*) AS n FROM outbox")).toBe(2 * COUNT);
    store.close();
  });
});
