import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOutbox, type OutboxEntry, openStateStore, silentLogger } from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import { type DeliveryOutcome, ImessageChannelError } from "@imgate/imessage-channel";
import { waitFor } from "@imgate/imsg-sim/testing";
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
    await waitFor(() => sent.length > 0, "a send");
    await worker.stop();
    expect(settled).toBe(1);
    expect(sent).toEqual([entry.id]);
    expect(outbox.get(entry.id)).toMatchObject({ state: "sent", attempts: 2 });
    store.close();
  });

  it("claims inside the enqueueing transaction, sends that entry on kick, and forgets a rolled-back claim", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-worker-"));
    dirs.push(dir);
    const store = openStateStore({ path: join(dir, "state.db") });
    const outbox = createOutbox({ store });
    await outbox.reconcile(() => "unknown");
    const draft = (key: string, chatKey: string) => ({
      idempotencyKey: key,
      channel: "imessage",
      accountId: "default",
      chatKey,
      target: `chat_id:${chatKey}`,
      text: key,
    });
    const delivered: string[] = [];
    const worker = createDeliveryWorker({
      outbox,
      accountId: "default",
      deliver: async (entry) => {
        delivered.push(entry.text);
        return { state: "sent", resultId: `r-${entry.text}` };
      },
      canSend: () => true,
      onSent: () => {},
      onError: () => {},
      atomically: (fn) => store.transaction(fn),
      logger: silentLogger,
      clock: createManualClock(0),
    });
    const a = store.transaction(() => {
      const entry = outbox.enqueue(draft("a", "1")).entry;
      worker.claimWithin();
      return entry;
    });
    expect(outbox.get(a.id)).toMatchObject({ state: "sending", attempts: 1 });
    // Another transaction while "a" waits: it claims nothing, and its rollback leaves "a" alone.
    let claimedB: OutboxEntry | undefined;
    expect(() =>
      store.transaction(() => {
        outbox.enqueue(draft("b", "2"));
        claimedB = worker.claimWithin();
        throw new Error("outcome failed");
      }),
    ).toThrow("outcome failed");
    expect(claimedB).toBeUndefined();
    outbox.enqueue(draft("c", "1"));
    outbox.enqueue(draft("d", "3"));
    worker.kick();
    for (let i = 0; i < 200 && delivered.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(delivered).toEqual(["a", "c", "d"]);
    // An idle worker's claim in a transaction that rolls back is forgotten: nothing is sent for it.
    let claimedF: OutboxEntry | undefined;
    expect(() =>
      store.transaction(() => {
        outbox.enqueue(draft("f", "5"));
        claimedF = worker.claimWithin();
        throw new Error("outcome failed");
      }),
    ).toThrow("outcome failed");
    expect(claimedF?.text).toBe("f");
    worker.forgetClaim(claimedF as OutboxEntry);
    outbox.enqueue(draft("g", "5"));
    worker.kick();
    for (let i = 0; i < 200 && outbox.getByKey("g")?.state !== "sent"; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(delivered).toEqual(["a", "c", "d", "g"]);
    expect(outbox.getByKey("b")).toBeUndefined();
    expect(outbox.getByKey("f")).toBeUndefined();
    expect(outbox.list().map((e) => [e.text, e.state, e.attempts])).toEqual([
      ["a", "sent", 1],
      ["c", "sent", 1],
      ["d", "sent", 1],
      ["g", "sent", 1],
    ]);
    // A claim that is never sent goes back to the queue when the worker stops.
    const e = store.transaction(() => {
      const entry = outbox.enqueue(draft("e", "4")).entry;
      worker.claimWithin();
      return entry;
    });
    expect(outbox.get(e.id)?.state).toBe("sending");
    await worker.stop();
    expect(outbox.get(e.id)?.state).toBe("queued");
    store.close();
  });

  it("does not lose a kick that arrives while a drain that could not send is finishing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-worker-"));
    dirs.push(dir);
    const store = openStateStore({ path: join(dir, "state.db") });
    const outbox = createOutbox({ store });
    outbox.enqueue({
      idempotencyKey: "reply:2:0",
      channel: "imessage",
      accountId: "default",
      chatKey: "5",
      target: "chat_id:5",
      text: "hello",
    });
    await outbox.reconcile(() => "unknown");
    let ready = false;
    const sent: number[] = [];
    const worker = createDeliveryWorker({
      outbox,
      accountId: "default",
      deliver: async () => ({ state: "sent", resultId: "1" }),
      canSend: () => ready,
      onSent: (e) => sent.push(e.id),
      onError: () => {},
      logger: silentLogger,
      clock: createManualClock(0),
    });
    worker.kick(); // cannot send yet: the loop returns at once
    ready = true;
    worker.kick(); // arrives while that loop is still settling
    await waitFor(() => sent.length > 0, "a send");
    await worker.stop();
    store.close();
    expect(sent).toHaveLength(1);
  });
});
