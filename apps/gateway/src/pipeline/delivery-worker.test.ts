import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManualClock, createOutbox, openStateStore, silentLogger } from "@imgate/channel-core";
import { type DeliveryOutcome, ImessageChannelError } from "@imgate/imessage-channel";
import { afterEach, describe, expect, it } from "vitest";
import { createDeliveryWorker } from "./delivery-worker.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("delivery worker", () => {
  it("retries an unknown send that reconciliation finds not sent (the outbox entry is requeued, not stuck)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-worker-"));
    dirs.push(dir);
    const store = openStateStore({ path: join(dir, "state.db") });
    const outbox = createOutbox({ store });
    const { entry } = outbox.enqueue({
      idempotencyKey: "reply:1:0",
      channel: "imessage",
      accountId: "default",
      chatKey: "5",
      target: "chat_id:5",
      text: "hello",
    });
    await outbox.reconcile(() => "unknown");
    const outcomes: DeliveryOutcome[] = [
      {
        state: "unknown",
        error: new ImessageChannelError("IMESSAGE_SEND_UNKNOWN", "imsg was killed mid-send"),
      },
      { state: "sent", resultId: "42" },
    ];
    let settled = 0;
    const sent: number[] = [];
    const worker = createDeliveryWorker({
      outbox,
      accountId: "default",
      deliver: async () => outcomes.shift() as DeliveryOutcome,
      canSend: () => true,
      settleUnknown: async () => {
        settled++;
        return "not_sent";
      },
      onSent: (e) => sent.push(e.id),
      onError: () => {},
      logger: silentLogger,
      clock: createManualClock(0),
    });
    worker.kick();
    for (let i = 0; i < 200 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await worker.stop();
    expect(settled).toBe(1);
    expect(sent).toEqual([entry.id]);
    expect(outbox.get(entry.id)).toMatchObject({ state: "sent", attempts: 2 });
    store.close();
  });
});
