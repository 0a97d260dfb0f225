import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTempStateStore, type TempStateStore } from "./__fixtures__/temp-state-store.ts";
import type { ManualClock } from "./manual-clock.ts";
import { agentIdempotencyKey, createOutbox, replyIdempotencyKey, UNRESOLVED_BEFORE } from "./outbox.ts";
import type { Outbox, OutboxDraft, OutboxEntry } from "./outbox-types.ts";
import { OutboxError, StateErrorCode } from "./state-errors.ts";
import type { StateStore } from "./state-store.ts";

let temp: TempStateStore;
let store: StateStore;
let clock: ManualClock;

beforeEach(() => {
  temp = openTempStateStore();
  ({ store, clock } = temp);
});
afterEach(() => temp.dispose());

const inbound = { channel: "imessage", accountId: "bot", guid: "G1" };
const draft = (chatKey: string, index: number, extra: Partial<OutboxDraft> = {}): OutboxDraft => ({
  idempotencyKey: replyIdempotencyKey({ ...inbound, guid: `G-${chatKey}` }, index),
  channel: "imessage",
  accountId: "bot",
  chatKey,
  target: `chat_id:${chatKey}`,
  text: `chunk ${index}`,
  ...extra,
});

async function ready(): Promise<Outbox> {
  const outbox = createOutbox({ store });
  await outbox.reconcile(() => "unknown");
  return outbox;
}

function outboxError(fn: () => unknown): OutboxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OutboxError);
    return error as OutboxError;
  }
  throw new Error("expected an OutboxError");
}

describe("outbox", () => {
  it("builds deterministic reply keys and unique agent keys", () => {
    expect(replyIdempotencyKey(inbound, 2)).toBe("reply:imessage:bot:G1:2");
    expect(agentIdempotencyKey()).not.toBe(agentIdempotencyKey());
    expect(agentIdempotencyKey()).toMatch(/^send:[0-9a-f-]{36}$/);
  });

  it("persists an entry before sending and returns the existing one for a repeated key", async () => {
    const outbox = await ready();
    const first = outbox.enqueue(draft("42", 0, { media: ["/tmp/a.jpg"], meta: { service: "auto" } }));
    expect(first.created).toBe(true);
    expect(first.entry).toMatchObject({
      state: "queued",
      attempts: 0,
      media: ["/tmp/a.jpg"],
      meta: { service: "auto" },
    });
    const again = outbox.enqueue(draft("42", 0, { text: "different" }));
    expect(again).toEqual({ entry: first.entry, created: false });
    expect(outbox.list()).toHaveLength(1);
  });

  it("walks queued → sending → sent, recording attempts and the result id", async () => {
    const outbox = await ready();
    const { entry } = outbox.enqueue(draft("42", 0));
    const claimed = outbox.claimNext();
    expect(claimed).toMatchObject({ id: entry.id, state: "sending", attempts: 1 });
    expect(outbox.claimNext()).toBeUndefined();
    expect(outbox.markSent(entry.id, "GUID-OUT")).toMatchObject({ state: "sent", resultId: "GUID-OUT" });
    expect(outboxError(() => outbox.markSent(entry.id)).code).toBe(StateErrorCode.outboxState);
    expect(outbox.counts()).toEqual({ queued: 0, sending: 0, sent: 1, failed: 0, unknown: 0 });
  });

  it("keeps per-chat order: a later chunk is not claimable while an earlier one is unresolved", async () => {
    const outbox = await ready();
    const a0 = outbox.enqueue(draft("A", 0)).entry;
    const a1 = outbox.enqueue(draft("A", 1)).entry;
    const b0 = outbox.enqueue(draft("B", 0)).entry;
    expect(outbox.claimNext()?.id).toBe(a0.id);
    expect(outbox.claimNext()?.id).toBe(b0.id); // other chats are not held back
    expect(outbox.claimNext()).toBeUndefined(); // A1 waits for A0
    expect(outboxError(() => outbox.markSending(a1.id)).message).toContain("earlier unresolved entry");
    outbox.markUnknown(a0.id, "timeout");
    expect(outbox.claimNext()).toBeUndefined(); // unknown still holds the chat
    outbox.markFailed(a0.id, "gave up: delivery unknown, not resent");
    expect(outbox.claimNext()?.id).toBe(a1.id);
  });

  it("retries a failed send later when asked, otherwise fails it for good", async () => {
    const outbox = await ready();
    const { entry } = outbox.enqueue(draft("A", 0));
    outbox.claimNext();
    expect(outbox.markFailed(entry.id, "imsg not running", { retryAt: clock.now() + 1000 })).toMatchObject({
      state: "queued",
      lastError: "imsg not running",
      attempts: 1,
    });
    expect(outbox.claimNext()).toBeUndefined();
    clock.advance(1000);
    expect(outbox.claimNext()).toMatchObject({ id: entry.id, attempts: 2 });
    expect(outbox.markFailed(entry.id, "bad target")).toMatchObject({
      state: "failed",
      lastError: "bad target",
    });
    expect(outbox.requeue(entry.id)).toMatchObject({ state: "queued" });
  });

  it("filters claims by channel and account", async () => {
    const outbox = await ready();
    outbox.enqueue(draft("A", 0));
    const other = outbox.enqueue(draft("B", 0, { accountId: "alt" })).entry;
    expect(outbox.claimNext({ accountId: "alt" })?.id).toBe(other.id);
    expect(outbox.claimNext({ channel: "sms" })).toBeUndefined();
  });

  it("refuses to hand out entries before reconcile() ran", () => {
    const outbox = createOutbox({ store });
    outbox.enqueue(draft("A", 0));
    expect(outboxError(() => outbox.claimNext()).code).toBe(StateErrorCode.outboxNotReconciled);
    expect(createOutbox({ store, requireReconcile: false }).claimNext()?.state).toBe("sending");
  });

  it("after a crash, treats entries left in sending as unknown and asks the channel before resending", async () => {
    const before = await ready();
    const sent = before.enqueue(draft("A", 0)).entry;
    const lost = before.enqueue(draft("B", 0)).entry;
    const doubtful = before.enqueue(draft("C", 0)).entry;
    const waiting = before.enqueue(draft("C", 1)).entry;
    for (let i = 0; i < 3; i += 1) before.claimNext();
    // Crash: the process stops with three entries in `sending`.
    store = temp.reopen();
    const after = createOutbox({ store });
    const seen: OutboxEntry[] = [];
    const report = await after.reconcile(async (entry) => {
      seen.push(entry);
      if (entry.id === sent.id) return { state: "sent", resultId: "GUID-A" };
      if (entry.id === lost.id) return "not_sent";
      return "unknown";
    });
    expect(seen.map((e) => [e.id, e.state])).toEqual([
      [sent.id, "unknown"],
      [lost.id, "unknown"],
      [doubtful.id, "unknown"],
    ]);
    expect(report.sent).toBe(1);
    expect(report.requeued).toBe(1);
    expect(report.unknown.map((e) => e.id)).toEqual([doubtful.id]);
    expect(after.get(sent.id)).toMatchObject({ state: "sent", resultId: "GUID-A" });
    expect(after.claimNext()?.id).toBe(lost.id); // the confirmed-lost one is resent
    expect(after.claimNext()).toBeUndefined(); // C1 stays behind the unknown C0
    expect(after.get(waiting.id)?.state).toBe("queued");
  });

  it("reconciles only the filtered account on a shared database, and then claims only that account", async () => {
    const before = await ready();
    const mine = before.enqueue(draft("A", 0)).entry;
    const theirs = before.enqueue(draft("B", 0, { accountId: "alt" })).entry;
    const theirsNext = before.enqueue(draft("C", 0, { accountId: "alt" })).entry;
    before.claimNext({ accountId: "bot" });
    before.claimNext({ accountId: "alt" });
    // Another gateway still sends `alt`'s entry; this one restarts serving `bot` only.
    store = temp.reopen();
    const after = createOutbox({ store });
    const seen: number[] = [];
    const report = await after.reconcile(
      (entry) => {
        seen.push(entry.id);
        return "not_sent";
      },
      { accountId: "bot" },
    );
    expect(seen).toEqual([mine.id]);
    expect(report.requeued).toBe(1);
    expect(after.get(theirs.id)?.state).toBe("sending");
    expect(outboxError(() => after.claimNext()).code).toBe(StateErrorCode.outboxNotReconciled);
    expect(outboxError(() => after.claimNext({ accountId: "alt" })).code).toBe(
      StateErrorCode.outboxNotReconciled,
    );
    expect(outboxError(() => after.markSending(theirsNext.id)).code).toBe(StateErrorCode.outboxNotReconciled);
    expect(after.claimNext({ accountId: "bot" })?.id).toBe(mine.id);
    // Reconciling every account (no filter) lifts the restriction, as before.
    await after.reconcile(() => "unknown");
    expect(after.get(theirs.id)?.state).toBe("unknown");
    expect(after.claimNext({ accountId: "alt" })?.id).toBe(theirsNext.id);
  });

  it("keeps an entry unknown, reported as unchecked (not undecidable), when the check itself fails", async () => {
    const outbox = createOutbox({ store, requireReconcile: false });
    const { entry } = outbox.enqueue(draft("A", 0));
    outbox.claimNext();
    const report = await outbox.reconcile(() => {
      throw new Error("imsg unreachable");
    });
    expect(report.unchecked.map((e) => e.id)).toEqual([entry.id]);
    expect(report.unknown).toEqual([]);
    expect(outbox.get(entry.id)).toMatchObject({ state: "unknown" });
    expect(outbox.get(entry.id)?.lastError).toBe("interrupted while sending (process stopped)");
  });

  it("checks a chat's earlier unresolved entries through the partial index, not its whole history", () => {
    const plan = store.read(
      (db) =>
        db
          .prepare(
            `EXPLAIN QUERY PLAN SELECT id FROM outbox o WHERE o.state = 'queued' AND ${UNRESOLVED_BEFORE}`,
          )
          .all() as { detail: string }[],
    );
    expect(plan.map((row) => row.detail).join("\n")).toMatch(/USING (COVERING )?INDEX outbox_unresolved/);
  });

  it("purges resolved entries older than a cutoff, never unresolved ones", async () => {
    const outbox = await ready();
    const a = outbox.enqueue(draft("A", 0)).entry;
    outbox.enqueue(draft("B", 0));
    outbox.claimNext();
    outbox.markSent(a.id);
    clock.advance(10);
    expect(outbox.purgeResolved(clock.now())).toBe(1);
    expect(outbox.list().map((e) => e.chatKey)).toEqual(["B"]);
  });
});
