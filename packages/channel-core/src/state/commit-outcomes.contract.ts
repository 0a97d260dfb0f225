import { describe, expect, it } from "vitest";
import { StateErrorCode } from "../state-errors.ts";
import {
  ACCOUNT,
  CHANNEL,
  type ContractContext,
  commitOnWire,
  expectCode,
  historyEntryOf,
  OTHER_ACCOUNT,
  outboxDraftOf,
  turnDraftOf,
} from "./contract-fixtures.ts";
import { recordOutcome } from "./outcome-ops.ts";
import type { OutcomeBatch, OutcomeOp, OutcomeWriter } from "./state-backend.ts";

const SOURCE = "chat.db";

/** An outcome of a batch, recorded the way the gateway records it. */
const outcome = (rowid: number | undefined, persist: (writer: OutcomeWriter) => void) => ({
  rowid,
  ops: recordOutcome(persist),
});

/**
 * An op no backend knows. It is how the contract makes one outcome fail on every backend alike: applying it
 * must throw inside that outcome's savepoint (SQLite) or subtransaction (PostgreSQL), so the outcome is rolled
 * back alone, with the guards and writes before it, and listed in `failed`.
 */
const UNKNOWN_OP = { op: "noSuchOp", args: [] } as unknown as OutcomeOp;

/** The `commitOutcomes` part of the contract (see {@link describeStateBackendContract}). */
export function describeCommitOutcomesContract(ctx: ContractContext): void {
  describe("commitOutcomes", () => {
    it("applies an outcome's writes in order and moves the cursor", async () => {
      const { backend, clock } = ctx;
      const batch: OutcomeBatch = {
        accountId: ACCOUNT,
        outcomes: [
          outcome(11, (w) => {
            w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid: "G1" });
            w.touchSession("s");
            w.appendHistory("s", historyEntryOf("m1", clock.now()), 10);
            w.appendHistory(
              "s",
              historyEntryOf("reply:m1", clock.now(), { extra: { role: "assistant" } }),
              10,
            );
            w.enqueue([outboxDraftOf("7", "G1", 0), outboxDraftOf("7", "G1", 1)]);
          }),
          outcome(12, (w) => {
            w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid: "G2" });
            w.recordPendingTurn(turnDraftOf("G2", clock.now()));
          }),
        ],
        cursor: { source: SOURCE, position: "12", requires: [0, 1] },
      };
      expect(await commitOnWire(backend, batch)).toEqual({
        failed: [],
        cursorMoved: true,
        claimed: undefined,
      });
      expect(await backend.cursors.get(ACCOUNT, SOURCE)).toBe("12");
      expect(await backend.dedupe.has(ACCOUNT, "G1")).toBe(true);
      expect(await backend.dedupe.has(ACCOUNT, "G2")).toBe(true);
      expect(await backend.sessions.getSession("s")).toMatchObject({ generation: 0, updatedAt: clock.now() });
      expect((await backend.history.load("s", 10)).map((entry) => entry.messageId)).toEqual([
        "m1",
        "reply:m1",
      ]);
      expect((await backend.outbox.list(["queued"])).map((entry) => entry.text)).toEqual([
        "chunk 0 of G1",
        "chunk 1 of G1",
      ]);
      expect((await backend.pendingTurns.listPending(ACCOUNT)).map((turn) => turn.guid)).toEqual(["G2"]);

      clock.advance(100);
      const followUp: OutcomeBatch = {
        accountId: ACCOUNT,
        outcomes: [
          outcome(undefined, (w) => {
            w.recordAttempt(ACCOUNT, "G2", {
              attempts: 2,
              nextAttemptAt: clock.now() + 5_000,
              lastError: "HTTP 502",
            });
          }),
          outcome(13, (w) => {
            w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid: "G3" });
            w.resetSession("s");
            w.appendHistory("s", historyEntryOf("m3", clock.now()), 10);
          }),
        ],
      };
      expect(await commitOnWire(backend, followUp)).toEqual({
        failed: [],
        cursorMoved: false,
        claimed: undefined,
      });
      expect(await backend.cursors.get(ACCOUNT, SOURCE)).toBe("12");
      expect(await backend.pendingTurns.get(ACCOUNT, "G2")).toMatchObject({
        attempts: 2,
        lastError: "HTTP 502",
      });
      expect(await backend.sessions.getSession("s")).toMatchObject({ generation: 1 });
      expect((await backend.history.load("s", 10)).map((entry) => entry.messageId)).toEqual(["m3"]);
    });

    it("tries guards in order, first change wins (a || b), and a failed onlyIf skips only the rest", async () => {
      const { backend, clock } = ctx;
      await backend.pendingTurns.record(turnDraftOf("P", clock.now()));
      await backend.pendingTurns.record(turnDraftOf("R", clock.now()));
      await backend.dedupe.seen(ACCOUNT, "OLD");
      const result = await commitOnWire(backend, {
        accountId: ACCOUNT,
        outcomes: [
          // No pending turn A: falls through to firstSeen, which marks A.
          outcome(1, (w) => {
            w.onlyIf(
              { kind: "completePendingTurn", accountId: ACCOUNT, guid: "A" },
              { kind: "firstSeen", accountId: ACCOUNT, guid: "A" },
            );
            w.touchSession("after-A");
          }),
          // P was pending: completing it wins, so firstSeen(Q) is never tried.
          outcome(2, (w) => {
            w.onlyIf(
              { kind: "completePendingTurn", accountId: ACCOUNT, guid: "P" },
              { kind: "firstSeen", accountId: ACCOUNT, guid: "Q" },
            );
            w.touchSession("after-P");
          }),
          // Already seen: nothing after the guard runs (the outcome still counts as applied).
          outcome(3, (w) => {
            w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid: "OLD" });
            w.touchSession("after-OLD");
          }),
          // No guards at all: nothing changed a row, so the rest is skipped.
          outcome(4, (w) => {
            w.onlyIf();
            w.touchSession("after-nothing");
          }),
          // Each onlyIf gates what follows it: the first passes, the second does not.
          outcome(5, (w) => {
            w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid: "B" });
            w.touchSession("between");
            w.onlyIf({
              kind: "giveUp",
              draft: turnDraftOf("B", clock.now()),
              outcome: { reason: "non-retryable" },
              onlyIfPending: true,
            });
            w.touchSession("after-give-up");
          }),
          // R is pending: giving it up (onlyIfPending) changes it.
          outcome(undefined, (w) => {
            w.onlyIf({
              kind: "giveUp",
              draft: turnDraftOf("R", clock.now()),
              outcome: { reason: "window" },
              onlyIfPending: true,
            });
            w.touchSession("after-R");
          }),
          // Not recorded and not onlyIfPending: the give-up stores it, and changed a row.
          outcome(6, (w) => {
            w.onlyIf({
              kind: "giveUp",
              draft: turnDraftOf("C", clock.now()),
              outcome: { reason: "non-retryable", error: "no agent" },
              onlyIfPending: false,
            });
            w.touchSession("after-C");
          }),
        ],
        cursor: { source: SOURCE, position: "6", requires: [0, 1, 2, 3, 4, 5, 6] },
      });
      expect(result).toEqual({ failed: [], cursorMoved: true, claimed: undefined });
      expect(await backend.dedupe.has(ACCOUNT, "A")).toBe(true);
      expect(await backend.dedupe.has(ACCOUNT, "Q")).toBe(false);
      expect(await backend.pendingTurns.has(ACCOUNT, "P")).toBe(false);
      expect(await backend.pendingTurns.has(ACCOUNT, "B")).toBe(false);
      expect(await backend.pendingTurns.get(ACCOUNT, "C")).toMatchObject({
        state: "given_up",
        giveUpReason: "non-retryable",
        lastError: "no agent",
      });
      const sessions = [
        "after-A",
        "after-P",
        "after-OLD",
        "after-nothing",
        "between",
        "after-give-up",
        "after-R",
        "after-C",
      ];
      const touched: string[] = [];
      for (const key of sessions) if (await backend.sessions.getSession(key)) touched.push(key);
      expect(touched).toEqual(["after-A", "after-P", "between", "after-R", "after-C"]);
      expect(await backend.pendingTurns.get(ACCOUNT, "R")).toMatchObject({
        state: "given_up",
        giveUpReason: "window",
      });
    });

    it("applies the same message once when it finishes twice in one batch", async () => {
      const { backend, clock } = ctx;
      const handle = (rowid: number) =>
        outcome(rowid, (w) => {
          w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid: "SAME" });
          w.appendHistory("s", historyEntryOf(`row-${rowid}`, clock.now()), 10);
          w.enqueue([outboxDraftOf("7", `SAME-${rowid}`, 0)]);
        });
      const result = await commitOnWire(backend, {
        accountId: ACCOUNT,
        outcomes: [handle(1), handle(2)],
        cursor: { source: SOURCE, position: "2", requires: [0, 1] },
      });
      expect(result).toEqual({ failed: [], cursorMoved: true, claimed: undefined });
      expect((await backend.history.load("s", 10)).map((entry) => entry.messageId)).toEqual(["row-1"]);
      expect((await backend.outbox.list()).map((entry) => entry.idempotencyKey)).toEqual([
        outboxDraftOf("7", "SAME-1", 0).idempotencyKey,
      ]);
    });

    it("rolls a failing outcome back alone (its guard too) and holds the cursor when it was required", async () => {
      const { backend, clock } = ctx;
      const good = (rowid: number, guid: string) =>
        outcome(rowid, (w) => {
          w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid });
          w.appendHistory("s", historyEntryOf(guid, clock.now()), 10);
        });
      const failing = {
        rowid: 2,
        ops: [
          ...recordOutcome((w) => {
            w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid: "BAD" });
            w.touchSession("bad-session");
            w.appendHistory("s", historyEntryOf("BAD", clock.now()), 10);
            w.enqueue([outboxDraftOf("7", "BAD", 0)]);
          }),
          UNKNOWN_OP,
        ],
      };
      // Not through commitOnWire: the unknown op is deliberately off the wire schema.
      const result = await backend.commitOutcomes({
        accountId: ACCOUNT,
        outcomes: [good(1, "G1"), failing, good(3, "G3")],
        cursor: { source: SOURCE, position: "3", requires: [0, 1, 2] },
      });
      expect(result).toEqual({ failed: [1], cursorMoved: false, claimed: undefined });
      expect(await backend.cursors.get(ACCOUNT, SOURCE)).toBeUndefined();
      expect((await backend.history.load("s", 10)).map((entry) => entry.messageId)).toEqual(["G1", "G3"]);
      expect(await backend.dedupe.has(ACCOUNT, "BAD")).toBe(false);
      expect(await backend.sessions.getSession("bad-session")).toBeUndefined();
      expect(await backend.outbox.hasKey(outboxDraftOf("7", "BAD", 0).idempotencyKey)).toBe(false);

      // The cursor moves when only the outcomes before the failing one are required.
      const again = await backend.commitOutcomes({
        accountId: ACCOUNT,
        outcomes: [good(4, "G4"), failing],
        cursor: { source: SOURCE, position: "4", requires: [0] },
      });
      expect(again).toEqual({ failed: [1], cursorMoved: true, claimed: undefined });
      expect(await backend.cursors.get(ACCOUNT, SOURCE)).toBe("4");
    });

    it("claims the account's next entry in the same commit, after the batch's own enqueues", async () => {
      const { backend } = ctx;
      await backend.outbox.enqueue(outboxDraftOf("9", "THEIRS", 0, { accountId: OTHER_ACCOUNT }));
      await backend.outbox.reconcile(() => "unknown", { accountId: ACCOUNT });
      const result = await commitOnWire(backend, {
        accountId: ACCOUNT,
        outcomes: [
          outcome(1, (w) => {
            w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid: "G1" });
            w.enqueue([outboxDraftOf("7", "G1", 0), outboxDraftOf("7", "G1", 1)]);
          }),
        ],
        cursor: { source: SOURCE, position: "1", requires: [0] },
        claimNext: { channel: CHANNEL },
      });
      expect(result.failed).toEqual([]);
      expect(result.cursorMoved).toBe(true);
      expect(result.claimed).toMatchObject({
        text: "chunk 0 of G1",
        state: "sending",
        attempts: 1,
        accountId: ACCOUNT,
      });
      expect(await backend.outbox.counts()).toEqual({
        queued: 2,
        sending: 1,
        sent: 0,
        failed: 0,
        unknown: 0,
      });
      // Chunk 1 waits behind chunk 0; the other account's entry is not this batch's to claim.
      const idle = await commitOnWire(backend, {
        accountId: ACCOUNT,
        outcomes: [],
        claimNext: { channel: CHANNEL },
      });
      expect(idle).toEqual({ failed: [], cursorMoved: false, claimed: undefined });
    });

    it("refuses a claim before the account was reconciled, and then applies nothing", async () => {
      const { backend } = ctx;
      await expectCode(
        commitOnWire(backend, {
          accountId: ACCOUNT,
          outcomes: [
            outcome(1, (w) => {
              w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid: "G1" });
              w.enqueue([outboxDraftOf("7", "G1", 0)]);
            }),
          ],
          cursor: { source: SOURCE, position: "1", requires: [0] },
          claimNext: { channel: CHANNEL },
        }),
        StateErrorCode.outboxNotReconciled,
      );
      expect(await backend.dedupe.has(ACCOUNT, "G1")).toBe(false);
      expect(await backend.outbox.list()).toEqual([]);
      expect(await backend.cursors.get(ACCOUNT, SOURCE)).toBeUndefined();
    });

    // The original gateway replayed live-handled rows after a restart because its dedupe marks lived in memory
    // and its cursor lagged (openclaw#85363): here the marks are committed with the outcomes, so a replay of a
    // whole batch is absorbed by its guards and idempotency keys.
    it("changes nothing when the same batch is committed again (a replay after a crash)", async () => {
      const { backend, clock } = ctx;
      await backend.outbox.reconcile(() => "unknown", { accountId: ACCOUNT });
      const batch: OutcomeBatch = {
        accountId: ACCOUNT,
        outcomes: [1, 2].map((n) =>
          outcome(n, (w) => {
            w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid: `G${n}` });
            w.touchSession("s");
            w.appendHistory("s", historyEntryOf(`m${n}`, clock.now()), 10);
            w.enqueue([outboxDraftOf(`chat-${n}`, `G${n}`, 0)]);
          }),
        ),
        cursor: { source: SOURCE, position: "2", requires: [0, 1] },
      };
      await commitOnWire(backend, batch);
      const before = {
        session: await backend.sessions.getSession("s"),
        history: await backend.history.load("s", 10),
        outbox: await backend.outbox.list(),
      };
      expect(before.history).toHaveLength(2);
      expect(before.outbox).toHaveLength(2);
      clock.advance(60_000);
      expect(await commitOnWire(backend, batch)).toEqual({
        failed: [],
        cursorMoved: true,
        claimed: undefined,
      });
      expect(await backend.sessions.getSession("s")).toEqual(before.session);
      expect(await backend.history.load("s", 10)).toEqual(before.history);
      expect(await backend.outbox.list()).toEqual(before.outbox);
      expect(await backend.cursors.get(ACCOUNT, SOURCE)).toBe("2");
    });
  });
}
