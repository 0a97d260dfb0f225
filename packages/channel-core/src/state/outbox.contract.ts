import { describe, expect, it } from "vitest";
import { StateErrorCode } from "../state-errors.ts";
import {
  ACCOUNT,
  CHANNEL,
  type ContractContext,
  expectCode,
  OTHER_ACCOUNT,
  outboxDraftOf,
} from "./contract-fixtures.ts";

const HOUR = 60 * 60 * 1000;

/** The outbox part of the state backend contract (registered by `describeStateBackendContract`). */
export function describeOutboxContract(ctx: ContractContext): void {
  describe("outbox", () => {
    const ready = () => ctx.backend.outbox.reconcile(() => "unknown");

    it("stores an entry once per idempotency key, with every field", async () => {
      const { backend, clock } = ctx;
      const draft = outboxDraftOf("42", "G1", 0, {
        media: ["/tmp/a.jpg"],
        meta: { service: "auto", n: 1 },
        replyTo: "G0",
      });
      const first = await backend.outbox.enqueue(draft);
      expect(first.created).toBe(true);
      expect(first.entry).toMatchObject({
        ...draft,
        state: "queued",
        attempts: 0,
        notBefore: 0,
        createdAt: clock.now(),
        updatedAt: clock.now(),
      });
      expect(first.entry.lastError).toBeUndefined();
      const again = await backend.outbox.enqueue({ ...draft, text: "different" });
      expect(again).toEqual({ entry: first.entry, created: false });
      const reaction = await backend.outbox.enqueue(
        outboxDraftOf("42", "G1", 1, { text: "", reaction: "love" }),
      );
      expect(reaction.entry).toMatchObject({ reaction: "love", text: "" });
      expect(await backend.outbox.hasKey(draft.idempotencyKey)).toBe(true);
      expect(await backend.outbox.hasKey("nope")).toBe(false);
      expect(await backend.outbox.getByKey(draft.idempotencyKey)).toEqual(first.entry);
      expect(await backend.outbox.get(first.entry.id)).toEqual(first.entry);
      expect(await backend.outbox.get(first.entry.id + 1000)).toBeUndefined();
    });

    it("hands nothing out before reconcile, then claims in order: an unresolved entry blocks its chat only", async () => {
      const { backend } = ctx;
      const a0 = (await backend.outbox.enqueue(outboxDraftOf("A", "G1", 0))).entry;
      const a1 = (await backend.outbox.enqueue(outboxDraftOf("A", "G1", 1))).entry;
      const b0 = (await backend.outbox.enqueue(outboxDraftOf("B", "G2", 0))).entry;
      const other = (await backend.outbox.enqueue(outboxDraftOf("A", "G3", 0, { accountId: OTHER_ACCOUNT })))
        .entry;
      await expectCode(backend.outbox.claimNext(), StateErrorCode.outboxNotReconciled);
      await ready();
      const claimed = await backend.outbox.claimNext({ channel: CHANNEL, accountId: ACCOUNT });
      expect(claimed).toMatchObject({ id: a0.id, state: "sending", attempts: 1 });
      // A1 waits behind A0 (sending); B0 is free.
      expect((await backend.outbox.claimNext({ accountId: ACCOUNT }))?.id).toBe(b0.id);
      expect(await backend.outbox.claimNext({ accountId: ACCOUNT })).toBeUndefined();
      await expectCode(backend.outbox.markSending(a1.id), StateErrorCode.outboxState);
      expect(await backend.outbox.markUnknown(a0.id, "timeout")).toMatchObject({
        state: "unknown",
        lastError: "timeout",
      });
      expect(await backend.outbox.claimNext({ accountId: ACCOUNT })).toBeUndefined();
      expect(await backend.outbox.markSent(a0.id, "GUID-A0")).toMatchObject({
        state: "sent",
        resultId: "GUID-A0",
      });
      expect((await backend.outbox.claimNext({ accountId: ACCOUNT }))?.id).toBe(a1.id);
      expect(await backend.outbox.claimNext({ channel: "sms" })).toBeUndefined();
      expect((await backend.outbox.claimNext({ accountId: OTHER_ACCOUNT }))?.id).toBe(other.id);
      expect(await backend.outbox.counts()).toEqual({
        queued: 0,
        sending: 3,
        sent: 1,
        failed: 0,
        unknown: 0,
      });
    });

    it("allows only the documented transitions, retries at a time, and requeues", async () => {
      const { backend, clock } = ctx;
      await ready();
      const entry = (await backend.outbox.enqueue(outboxDraftOf("A", "G1", 0))).entry;
      await expectCode(backend.outbox.markSent(entry.id), StateErrorCode.outboxState);
      await expectCode(backend.outbox.markUnknown(entry.id, "x"), StateErrorCode.outboxState);
      await expectCode(backend.outbox.requeue(entry.id), StateErrorCode.outboxState);
      await expectCode(backend.outbox.markSent(entry.id + 1000), StateErrorCode.outboxState);
      expect(await backend.outbox.markSending(entry.id)).toMatchObject({ state: "sending", attempts: 1 });
      const retryAt = clock.now() + 30_000;
      expect(await backend.outbox.markFailed(entry.id, "busy", { retryAt })).toMatchObject({
        state: "queued",
        notBefore: retryAt,
        lastError: "busy",
      });
      expect(await backend.outbox.claimNext()).toBeUndefined();
      clock.set(retryAt);
      expect(await backend.outbox.claimNext()).toMatchObject({ id: entry.id, attempts: 2 });
      expect(await backend.outbox.markFailed(entry.id, "gone")).toMatchObject({
        state: "failed",
        lastError: "gone",
      });
      await expectCode(backend.outbox.markFailed(entry.id, "again"), StateErrorCode.outboxState);
      expect(await backend.outbox.requeue(entry.id)).toMatchObject({ state: "queued", notBefore: 0 });
      expect((await backend.outbox.claimNext())?.id).toBe(entry.id);
      clock.advance(10);
      const sent = await backend.outbox.markSent(entry.id);
      expect(sent).toMatchObject({ state: "sent", updatedAt: clock.now(), attempts: 3 });
      expect((await backend.outbox.list(["sent"])).map((e) => e.id)).toEqual([entry.id]);
      expect(await backend.outbox.purgeResolved(clock.now())).toBe(0);
      clock.advance(1);
      expect(await backend.outbox.purgeResolved(clock.now())).toBe(1);
      expect(await backend.outbox.list()).toEqual([]);
    });

    it("holds a claimed entry without an attempt, keeping its chat's order, until released", async () => {
      const { backend, clock } = ctx;
      await ready();
      const first = (await backend.outbox.enqueue(outboxDraftOf("A", "G1", 0))).entry;
      const second = (await backend.outbox.enqueue(outboxDraftOf("A", "G1", 1))).entry;
      await backend.outbox.claimNext();
      const until = clock.now() + HOUR;
      expect(await backend.outbox.hold(first.id, "hourly limit", until)).toMatchObject({
        state: "queued",
        attempts: 0,
        heldReason: "hourly limit",
        notBefore: until,
      });
      await expectCode(backend.outbox.hold(first.id, "again", until), StateErrorCode.outboxState);
      expect(await backend.outbox.claimNext()).toBeUndefined(); // `second` waits behind the held one
      expect(await backend.outbox.releaseHolds(OTHER_ACCOUNT)).toBe(0);
      expect(await backend.outbox.releaseHolds(ACCOUNT)).toBe(1);
      const again = await backend.outbox.claimNext();
      expect(again).toMatchObject({ id: first.id, attempts: 1 });
      expect((await backend.outbox.markSent(first.id)).heldReason).toBeUndefined();
      expect((await backend.outbox.claimNext())?.id).toBe(second.id);
    });

    it("reconciles only the account asked for: its in-flight entries become unknown and are checked", async () => {
      const { backend } = ctx;
      await ready();
      const sent = (await backend.outbox.enqueue(outboxDraftOf("A", "G1", 0))).entry;
      const lost = (await backend.outbox.enqueue(outboxDraftOf("B", "G2", 0))).entry;
      const doubtful = (await backend.outbox.enqueue(outboxDraftOf("C", "G3", 0))).entry;
      const broken = (await backend.outbox.enqueue(outboxDraftOf("D", "G4", 0))).entry;
      const theirs = (await backend.outbox.enqueue(outboxDraftOf("A", "G5", 0, { accountId: OTHER_ACCOUNT })))
        .entry;
      for (let i = 0; i < 5; i += 1) await backend.outbox.claimNext();
      const checked: Array<[number, string]> = [];
      const report = await backend.outbox.reconcile(
        (entry) => {
          checked.push([entry.id, entry.state]);
          if (entry.id === sent.id) return { state: "sent", resultId: "GUID-1" };
          if (entry.id === lost.id) return "not_sent";
          if (entry.id === broken.id) throw new Error("imsg unreachable");
          return "unknown";
        },
        { accountId: ACCOUNT },
      );
      expect(checked).toEqual([
        [sent.id, "unknown"],
        [lost.id, "unknown"],
        [doubtful.id, "unknown"],
        [broken.id, "unknown"],
      ]);
      expect(report.sent).toBe(1);
      expect(report.requeued).toBe(1);
      expect(report.unknown.map((entry) => entry.id)).toEqual([doubtful.id]);
      expect(report.unchecked.map((entry) => entry.id)).toEqual([broken.id]);
      expect(await backend.outbox.get(sent.id)).toMatchObject({ state: "sent", resultId: "GUID-1" });
      expect(await backend.outbox.get(lost.id)).toMatchObject({ state: "queued" });
      expect(await backend.outbox.get(broken.id)).toMatchObject({
        state: "unknown",
        lastError: "interrupted while sending (process stopped)",
      });
      // Another gateway's in-flight send is not touched.
      expect(await backend.outbox.get(theirs.id)).toMatchObject({ state: "sending" });
      expect((await backend.outbox.list(["unknown"])).map((entry) => entry.id)).toEqual([
        doubtful.id,
        broken.id,
      ]);
    });
  });
}
