import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncView, createOutbox, openStateStore, silentLogger } from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import type { DeliveryOutcome } from "@imgate/imessage-channel";
import { waitFor } from "@imgate/imsg-sim/testing";
import { afterEach, describe, expect, it } from "vitest";
import { createDeliveryWorker, SKIPPED_PREFIX } from "./delivery-worker.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("delivery worker: skipped entries", () => {
  it("marks a skipped entry failed with the reason, never retries it, and lets the chat's next entry go", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-worker-"));
    dirs.push(dir);
    const store = openStateStore({ path: join(dir, "state.db") });
    const outbox = createOutbox({ store });
    const base = { channel: "imessage", accountId: "default", chatKey: "5", target: "chat_id:5" };
    const reaction = outbox.enqueue({
      ...base,
      idempotencyKey: "reply:1:0:reaction",
      text: "",
      reaction: "love",
      replyTo: "G",
    }).entry;
    const text = outbox.enqueue({ ...base, idempotencyKey: "reply:1:0", text: "hello" }).entry;
    await outbox.reconcile(() => "unknown");
    const delivered: number[] = [];
    const skipped: number[] = [];
    const errors: string[] = [];
    const worker = createDeliveryWorker({
      outbox: asyncView(outbox),
      accountId: "default",
      deliver: async (entry): Promise<DeliveryOutcome> => {
        delivered.push(entry.id);
        return entry.reaction ? { state: "skipped", reason: "no tapback here" } : { state: "sent" };
      },
      canSend: () => true,
      onSent: () => {},
      onSkipped: (entry) => skipped.push(entry.id),
      onError: (_entry, message) => errors.push(message),
      logger: silentLogger,
      clock: createManualClock(0),
    });
    worker.kick();
    await waitFor(() => outbox.get(text.id)?.state === "sent", "the text after the skipped reaction");
    await worker.stop();
    expect(delivered).toEqual([reaction.id, text.id]);
    expect(skipped).toEqual([reaction.id]);
    expect(errors).toEqual([]);
    expect(outbox.get(reaction.id)).toMatchObject({
      state: "failed",
      attempts: 1,
      lastError: `${SKIPPED_PREFIX}no tapback here`,
    });
    store.close();
  });
});
