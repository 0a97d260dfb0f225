import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  asyncView,
  createOutbox,
  createSqliteBackend,
  openStateStore,
  recordOutcome,
  silentLogger,
} from "@imgate/channel-core";
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
      outbox: asyncView(outbox),
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

  it("claims in a group commit, sends that entry on kick; a failed commit hands back nothing; stop requeues a claim", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-worker-"));
    dirs.push(dir);
    const store = openStateStore({ path: join(dir, "state.db") });
    const backend = createSqliteBackend(store);
    const outbox = backend.stores.outbox;
    await outbox.reconcile(() => "unknown");
    const draft = (key: string, chatKey: string) => ({
      idempotencyKey: key,
      channel: "imessage",
      accountId: "default",
      chatKey,
      target: `chat_id:${chatKey}`,
      text: key,
    });
    const commit = (drafts: ReturnType<typeof draft>[], claim: boolean) =>
      backend.commitOutcomes({
        accountId: "default",
        outcomes: [{ rowid: undefined, ops: recordOutcome((writer) => writer.enqueue(drafts)) }],
        ...(claim ? { claimNext: { channel: "imessage" } } : {}),
      });
    const delivered: string[] = [];
    const worker = createDeliveryWorker({
      outbox: backend.outbox,
      accountId: "default",
      deliver: async (entry) => {
        delivered.push(entry.text);
        return { state: "sent", resultId: `r-${entry.text}` };
      },
      canSend: () => true,
      onSent: () => {},
      onError: () => {},
      logger: silentLogger,
      clock: createManualClock(0),
    });
    /** Reserves the worker's claim once its drain has ended. */
    const reserve = () => waitFor(() => worker.claimInBatch(), "an idle worker");
    await reserve();
    // While a commit claims for it, nobody else claims and a kick starts no drain.
    expect(await worker.claimInBatch()).toBe(false);
    worker.kick();
    const first = await commit([draft("a", "1")], true);
    expect(first.claimed?.text).toBe("a");
    expect(outbox.getByKey("a")).toMatchObject({ state: "sending", attempts: 1 });
    expect(delivered).toEqual([]);
    worker.adoptClaim(first.claimed);
    outbox.enqueue(draft("c", "1"));
    outbox.enqueue(draft("d", "3"));
    worker.kick();
    await waitFor(() => delivered.length >= 3, "three sends");
    expect(delivered).toEqual(["a", "c", "d"]);
    // A commit that failed hands back nothing: the loop claims the entry itself later.
    await reserve();
    worker.adoptClaim(undefined);
    outbox.enqueue(draft("g", "5"));
    worker.kick();
    await waitFor(() => outbox.getByKey("g")?.state === "sent", "g sent");
    expect(delivered).toEqual(["a", "c", "d", "g"]);
    expect(outbox.list().map((e) => [e.text, e.state, e.attempts])).toEqual([
      ["a", "sent", 1],
      ["c", "sent", 1],
      ["d", "sent", 1],
      ["g", "sent", 1],
    ]);
    // A claim that is never sent goes back to the queue when the worker stops.
    await reserve();
    const last = await commit([draft("e", "4")], true);
    worker.adoptClaim(last.claimed);
    expect(outbox.getByKey("e")?.state).toBe("sending");
    await worker.stop();
    expect(outbox.getByKey("e")?.state).toBe("queued");
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
      outbox: asyncView(outbox),
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
