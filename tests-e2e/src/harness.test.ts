import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, outgoingRows, startGateway, waitFor } from "./harness/index.ts";

const ALICE = "+15550001111";

// One mode is enough here: every acceptance suite runs the harness in both.
describe.each(["0.15"] as const)("harness smoke (imsg %s)", (compat) => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGateway({
      compat,
      config: { channels: { imessage: { dmPolicy: "allowlist", allowFrom: [ALICE] } } },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("answers an allowed DM, logs JSON lines and survives a restart", async () => {
    const first = gateway.inject({ from: ALICE, text: "ping one" });
    await waitFor(() => gateway.outgoing(first.chatId).length === 1, { what: "the first reply" });
    expect(gateway.logs().some((line) => line.msg === "gateway started")).toBe(true);
    const before = gateway.pid;
    await gateway.restart();
    expect(gateway.pid).not.toBe(before);
    gateway.inject({ from: ALICE, text: "ping two" });
    await waitFor(() => gateway.outgoing(first.chatId).length === 2, { what: "the second reply" });
    expect(outgoingRows(gateway.dbPath).map((row) => row.text)).toEqual(["ping one", "ping two"]);
    const exit = await gateway.stop();
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
