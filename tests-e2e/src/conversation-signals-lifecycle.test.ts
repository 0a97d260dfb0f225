/**
 * Issue 13 (part A), across process lifecycles: the typing bubble is cleared when the gateway shuts down in the
 * middle of a turn, and typing/read resume once imsg comes back with its bridge up (openclaw/openclaw#142603:
 * "typing and read receipts stay disabled after bridge recovery"). Real gateway and imsg-sim processes; the
 * bridge is switched by a flag file that a `cliPath` wrapper reads each time imsg starts.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { readBridgeCalls } from "@imgate/imsg-sim/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  createWorkspace,
  descendantsOf,
  type GatewayProcess,
  IMSG_BIN,
  startGateway,
  startLoopbackServer,
  waitFor,
} from "./harness/index.ts";

const ALICE = "+15550001111";
const SECRET = { TEST_WEBHOOK_SECRET: "webhook-secret-for-tests" };

let gateway: GatewayProcess | undefined;
afterEach(async () => {
  await gateway?.dispose();
  gateway = undefined;
});

const typingStates = (dbPath: string, chatId: number) =>
  readBridgeCalls(dbPath)
    .filter((call) => call.chatId === chatId && call.method === "typing")
    .map((call) => call.typing);

/** The `imsg rpc` process(es) under the gateway (the stand-in's Node process runs `imsg-sim/src/main.ts`). */
function imsgProcesses(pid: number): number[] {
  return descendantsOf(pid).filter((child) => {
    try {
      const cmdline = readFileSync(`/proc/${child}/cmdline`, "utf8");
      return cmdline.includes("imsg-sim") && cmdline.includes("rpc");
    } catch {
      return false;
    }
  });
}

describe("typing bubble and read receipts across process lifecycles (imsg-sim 0.15)", () => {
  it("a turn still running at shutdown has its bubble cleared before imsg stops", async () => {
    const never = new Promise<void>(() => {});
    const hook = await startLoopbackServer(async () => {
      await never;
    });
    try {
      gateway = await startGateway({
        compat: "0.15",
        env: { IMSG_SIM_BRIDGE: "1", ...SECRET },
        config: {
          channels: { imessage: { dmPolicy: "allowlist", allowFrom: [ALICE] } },
          gateway: { shutdownTimeoutMs: 500 },
          agents: {
            list: [
              {
                id: "main",
                default: true,
                backend: { type: "webhook", url: `${hook.url}/turn`, secretEnv: "TEST_WEBHOOK_SECRET" },
              },
            ],
          },
        },
      });
      const message = gateway.inject({ from: ALICE, text: "a question that takes forever" });
      await waitFor(() => hook.requests.length === 1, { what: "the agent call" });
      await waitFor(() => typingStates(gateway!.dbPath, message.chatId).at(-1) === true, {
        what: "the bubble",
      });
      await gateway.stop();
      expect(typingStates(gateway.dbPath, message.chatId).at(-1)).toBe(false);
      expect(gateway.outgoing(message.chatId)).toEqual([]);
    } finally {
      await hook.close();
    }
  });

  it("typing and read start being used once imsg restarts with its bridge up (re-read at every turn)", async () => {
    const workspace = createWorkspace();
    const flag = workspace.path("bridge-on");
    const wrapper = workspace.path("imsg-wrapper.sh");
    writeFileSync(
      wrapper,
      `#!/bin/sh\nif [ -f '${flag}' ]; then IMSG_SIM_BRIDGE=1; export IMSG_SIM_BRIDGE; fi\nexec '${IMSG_BIN}' "$@"\n`,
      { mode: 0o755 },
    );
    gateway = await startGateway({
      compat: "0.15",
      workspace,
      env: { IMSG_SIM_BRIDGE: undefined },
      config: { channels: { imessage: { cliPath: wrapper, dmPolicy: "allowlist", allowFrom: [ALICE] } } },
    });
    const before = gateway.inject({ from: ALICE, text: "bridge down" });
    await waitFor(() => gateway!.outgoing(before.chatId).includes("bridge down"), { what: "the echo" });
    expect(readBridgeCalls(gateway.dbPath)).toEqual([]);

    // The bridge comes up; imsg restarts (here: it is killed and the gateway's supervisor starts it again).
    writeFileSync(flag, "");
    expect(existsSync(flag)).toBe(true);
    const readyBefore = gateway.logs().filter((line) => line.msg === "imsg ready").length;
    const victims = imsgProcesses(gateway.pid);
    expect(victims.length).toBeGreaterThan(0);
    for (const pid of victims) process.kill(pid, "SIGKILL");
    await waitFor(() => gateway!.logs().filter((line) => line.msg === "imsg ready").length > readyBefore, {
      what: "imsg ready again",
    });

    const after = gateway.inject({ from: ALICE, text: "bridge up" });
    await waitFor(() => gateway!.outgoing(after.chatId).includes("bridge up"), { what: "the echo" });
    await waitFor(() => typingStates(gateway!.dbPath, after.chatId).at(-1) === false, {
      what: "bubble cleared",
    });
    expect(readBridgeCalls(gateway.dbPath).map((call) => [call.method, call.typing])).toEqual([
      ["read", undefined],
      ["typing", true],
      ["typing", false],
    ]);
  });
});
