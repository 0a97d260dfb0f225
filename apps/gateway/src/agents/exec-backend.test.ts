import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "@imgate/imsg-sim/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isGatewayError } from "../errors/gateway-error.ts";
import { sampleTurn } from "../testing/sample-turn.ts";
import { createExecBackend } from "./exec-backend.ts";

const agentScript = fileURLToPath(new URL("./__fixtures__/exec-agent.mjs", import.meta.url));
const node = process.execPath;
const signal = new AbortController().signal;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgate-exec-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("exec backend", () => {
  it("passes the turn as one JSON line on stdin and reads the reply JSON from stdout", async () => {
    const backend = createExecBackend(
      { command: [node, agentScript, "reply"], timeoutMs: 10_000, env: { EXTRA: "yes" } },
      { env: { PATH: process.env.PATH, IMGATE_TOKEN: "must-not-leak" } },
    );
    const reply = await backend.reply(sampleTurn({ agentId: "bot", text: 'a "quoted" $(not a shell)' }), {
      signal,
    });
    expect(reply.text).toBe('bot:a "quoted" $(not a shell)');
  });

  it("does not pass the gateway's secrets to the command", async () => {
    const script = `process.stdin.resume();process.stdin.on("end",()=>process.stdout.write(JSON.stringify({text:String(process.env.IMGATE_TOKEN)+","+process.env.EXTRA})))`;
    const backend = createExecBackend(
      { command: [node, "-e", script], timeoutMs: 10_000, env: { EXTRA: "set" } },
      { env: { PATH: process.env.PATH, IMGATE_TOKEN: "secret-token" } },
    );
    expect((await backend.reply(sampleTurn(), { signal })).text).toBe("undefined,set");
  });

  it("turns a non-zero exit into AGENT_FAILED with the exit code", async () => {
    const backend = createExecBackend({ command: [node, agentScript, "fail"], timeoutMs: 10_000 });
    const error = await backend.reply(sampleTurn(), { signal }).catch((e: unknown) => e);
    expect(isGatewayError(error, "AGENT_FAILED")).toBe(true);
    expect((error as Error).message).toContain("code 3");
    expect((error as Error).cause).toContain("agent exploded");
  });

  it("kills a command that exceeds its timeout", async () => {
    const pidFile = join(dir, "pid");
    const backend = createExecBackend(
      { command: [node, agentScript, "hang", pidFile], timeoutMs: 300 },
      { killGraceMs: 100 },
    );
    const error = await backend.reply(sampleTurn(), { signal }).catch((e: unknown) => e);
    expect(isGatewayError(error, "AGENT_TIMEOUT")).toBe(true);
    // On a loaded machine the command may be killed before it wrote its pid; then there is nothing left to check.
    const pidText = await readFile(pidFile, "utf8").catch(() => undefined);
    if (pidText !== undefined) {
      const pid = Number(pidText);
      await waitFor(() => !isAlive(pid), "the hung agent to be killed");
      expect(isAlive(pid)).toBe(false);
    }
  });

  it("rejects non-JSON output and output over the size cap", async () => {
    const garbage = createExecBackend({ command: [node, agentScript, "garbage"], timeoutMs: 10_000 });
    expect(
      isGatewayError(
        await garbage.reply(sampleTurn(), { signal }).catch((e: unknown) => e),
        "AGENT_BAD_RESPONSE",
      ),
    ).toBe(true);
    const flood = createExecBackend(
      { command: [node, agentScript, "flood"], timeoutMs: 10_000 },
      { maxOutputBytes: 10_000 },
    );
    const error = await flood.reply(sampleTurn(), { signal }).catch((e: unknown) => e);
    expect(isGatewayError(error, "AGENT_BAD_RESPONSE")).toBe(true);
    expect((error as Error).message).toContain("10000 bytes");
  });

  it("reports a command that does not exist", async () => {
    const backend = createExecBackend({ command: [join(dir, "no-such-binary")], timeoutMs: 10_000 });
    const error = await backend.reply(sampleTurn(), { signal }).catch((e: unknown) => e);
    expect(isGatewayError(error, "AGENT_FAILED")).toBe(true);
    expect((error as Error).message).toContain("ENOENT");
  });
});
