import type { Envelope, Logger } from "@imgate/channel-core";
import { silentLogger } from "@imgate/channel-core";
import { injectMessage, readBridgeCalls, waitFor } from "@imgate/imsg-sim/testing";
import { afterEach, describe, expect, it } from "vitest";
import { type SimHarness, startSim } from "./__fixtures__/sim-harness.ts";
import { createChatPresence } from "./chat-presence.ts";
import { imessageChannelData } from "./envelope-service.ts";
import { bridgeCapabilitiesOf } from "./imsg-port-from-client.ts";

let sim: SimHarness | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function envelopeFor(chatId: number, chatType: "direct" | "group" = "direct"): Envelope {
  return {
    channel: "imessage",
    accountId: "default",
    chatType,
    chatKey: String(chatId),
    senderRaw: "+15550001111",
    sender: "+15550001111",
    text: "hi",
    attachments: [],
    timestamp: Date.now(),
    messageId: "1",
    guid: "G",
    participants: [],
    channelData: imessageChannelData(chatId, `iMessage;-;+15550001111`),
  };
}

function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const log =
    (level: string) =>
    (_fields: unknown, msg?: string): void => {
      lines.push({ level, msg: msg ?? "" });
    };
  return { ...silentLogger, lines, info: log("info"), warn: log("warn"), debug: log("debug") } as Logger & {
    lines: Array<{ level: string; msg: string }>;
  };
}

describe("chat presence against imsg-sim 0.15 in bridge mode", () => {
  it("marks read, refreshes the bubble while the turn runs, clears it once (stop is idempotent)", async () => {
    sim = await startSim("0.15", { IMSG_SIM_BRIDGE: "1" });
    const inbound = injectMessage(sim.dbPath, { from: "+15550001111", text: "hi" });
    const presence = createChatPresence({
      port: sim.port,
      capabilities: bridgeCapabilitiesOf(sim.client),
      logger: silentLogger,
      refreshMs: 30,
    });
    const turn = presence.turnStarted(envelopeFor(inbound.chatId), {
      sendReadReceipts: true,
      typingIndicator: "dm",
    });
    const path = sim.dbPath;
    await waitFor(
      () => readBridgeCalls(path).filter((c) => c.method === "typing" && c.typing).length >= 3,
      "the bubble sent again while the turn runs",
    );
    await turn.stop();
    await turn.stop();
    const calls = readBridgeCalls(path);
    expect(calls[0]).toMatchObject({ method: "read", chatId: inbound.chatId, marked: 1 });
    expect(calls.filter((c) => c.method === "typing" && c.typing === false)).toHaveLength(1);
    expect(calls.at(-1)).toMatchObject({ method: "typing", typing: false });
  });

  it('typingIndicator "dm" shows no bubble in a group (read still sent); "all" does; events get neither', async () => {
    sim = await startSim("0.15", { IMSG_SIM_BRIDGE: "1" });
    const group = injectMessage(sim.dbPath, {
      from: "+15550001111",
      text: "hi all",
      chatIdentifier: "chat42",
      group: true,
      participants: ["+15550002222"],
    });
    const presence = createChatPresence({
      port: sim.port,
      capabilities: bridgeCapabilitiesOf(sim.client),
      logger: silentLogger,
    });
    await presence
      .turnStarted(envelopeFor(group.chatId, "group"), { sendReadReceipts: true, typingIndicator: "dm" })
      .stop();
    const reaction = {
      ...envelopeFor(group.chatId, "group"),
      reaction: { kind: "love", added: true, target: {} },
    };
    await presence.turnStarted(reaction, { sendReadReceipts: true, typingIndicator: "all" }).stop();
    await presence
      .turnStarted(envelopeFor(group.chatId, "group"), { sendReadReceipts: false, typingIndicator: "all" })
      .stop();
    const path = sim.dbPath;
    await waitFor(() => readBridgeCalls(path).length === 3, "three calls");
    expect(readBridgeCalls(path).map((c) => [c.method, c.typing])).toEqual([
      ["read", undefined],
      ["typing", true],
      ["typing", false],
    ]);
  });

  it("without the bridge: nothing is called and the start line names what is unusable", async () => {
    sim = await startSim("0.15");
    const logger = recordingLogger();
    const presence = createChatPresence({
      port: sim.port,
      capabilities: bridgeCapabilitiesOf(sim.client),
      logger,
    });
    presence.announce({ sendReadReceipts: true, typingIndicator: "all" });
    const inbound = injectMessage(sim.dbPath, { from: "+15550001111", text: "hi" });
    await presence
      .turnStarted(envelopeFor(inbound.chatId), { sendReadReceipts: true, typingIndicator: "all" })
      .stop();
    expect(readBridgeCalls(sim.dbPath)).toEqual([]);
    expect(logger.lines).toEqual([
      {
        level: "info",
        msg: "imessage: imsg does not list typing or read as usable (its IMCore bridge is not running, or imsg predates 0.14); typing and read are never called",
      },
    ]);
  });
});
