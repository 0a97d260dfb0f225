/**
 * Issue 13 part B against imsg-sim's bridge mode: a tapback item goes through `tapback` and an uncertain one
 * is decided on the target's reaction summary; a threaded item is a `send` with `reply_to` (never
 * `send.tracked`) and is reconciled by the history lookup.
 */
import { silentLogger, systemClock } from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { countRows, type SimHarness, startSim, writeInbound } from "./__fixtures__/sim-harness.ts";
import { createImessageDelivery } from "./delivery.ts";
import { createEchoFilter } from "./echo-filter.ts";
import { sendCapabilitiesOf } from "./imsg-port-from-client.ts";

const account = { accountId: "bot", service: "auto", region: "US", mediaMaxMb: 16 } as const;
const FRIEND = "+15550003001";
let sim: SimHarness | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function deliveryFor(harness: SimHarness) {
  return createImessageDelivery({
    account,
    port: harness.port,
    echo: createEchoFilter({ clock: createManualClock(), logger: silentLogger }),
    logger: silentLogger,
    clock: systemClock,
    capabilities: sendCapabilitiesOf(harness.client),
    reconcileRetryDelaysMs: [],
  });
}

describe("rich delivery over imsg-sim 0.15 with the bridge", () => {
  it("a tapback is sent on the target, and reconciling it finds our reaction instead of sending again", async () => {
    sim = await startSim("0.15", { IMSG_SIM_BRIDGE: "1" });
    expect(sendCapabilitiesOf(sim.client)()).toMatchObject({ tapback: true, replyTo: true });
    const inbound = writeInbound(sim.dbPath, { from: FRIEND, text: "nice work" });
    const delivery = deliveryFor(sim);
    const item = {
      idempotencyKey: `reply:imessage:bot:${inbound.guid}:0:reaction`,
      target: `chat_id:${inbound.chatId}`,
      chatKey: String(inbound.chatId),
      text: "",
      reaction: "emphasize",
      replyTo: inbound.guid,
    };
    const createdAt = Date.now();
    // Before it was sent, a check says "not sent" (a resend is safe: one reaction per person and message).
    expect(await delivery.reconcile({ ...item, createdAt })).toBe("not_sent");
    expect(await delivery.deliver(item)).toMatchObject({ state: "sent" });
    expect(await delivery.reconcile({ ...item, createdAt })).toEqual({ state: "sent" });
    expect(countRows(sim.dbPath, "Emphasized “nice work”")).toBe(1);
  });

  it("a threaded item is an inline reply, and an uncertain one is found in the history", async () => {
    sim = await startSim("0.15", { IMSG_SIM_BRIDGE: "1" });
    const inbound = writeInbound(sim.dbPath, { from: FRIEND, text: "which one?" });
    const delivery = deliveryFor(sim);
    const item = {
      idempotencyKey: `reply:imessage:bot:${inbound.guid}:0`,
      target: `chat_id:${inbound.chatId}`,
      chatKey: String(inbound.chatId),
      text: "the blue one",
      replyTo: inbound.guid,
    };
    const createdAt = Date.now();
    expect(await delivery.deliver(item)).toMatchObject({ state: "sent" });
    const rows = await sim.port.history({ chat_id: inbound.chatId, limit: 10 });
    expect(rows.find((row) => row.is_from_me)).toMatchObject({
      text: "the blue one",
      thread_originator_guid: inbound.guid,
    });
    expect(await delivery.reconcile({ ...item, createdAt })).toMatchObject({ state: "sent" });
  });
});

describe("rich delivery without the bridge", () => {
  it("skips a tapback and sends a threaded item plainly (0.15 would refuse reply_to with -32003)", async () => {
    sim = await startSim("0.15");
    expect(sendCapabilitiesOf(sim.client)()).toMatchObject({ tapback: false, replyTo: false });
    const inbound = writeInbound(sim.dbPath, { from: FRIEND, text: "hello" });
    const delivery = deliveryFor(sim);
    const target = `chat_id:${inbound.chatId}`;
    expect(
      await delivery.deliver({
        idempotencyKey: "k:r",
        target,
        text: "",
        reaction: "love",
        replyTo: inbound.guid,
      }),
    ).toEqual({ state: "skipped", reason: "imsg does not offer tapback (needs the bridge)" });
    expect(
      await delivery.deliver({
        idempotencyKey: "k:t",
        target,
        text: "plain after all",
        replyTo: inbound.guid,
      }),
    ).toMatchObject({ state: "sent" });
    const mine = (await sim.port.history({ chat_id: inbound.chatId, limit: 10 })).filter(
      (row) => row.is_from_me,
    );
    expect(mine.map((row) => [row.text, row.thread_originator_guid])).toEqual([
      ["plain after all", undefined],
    ]);
  });
});
