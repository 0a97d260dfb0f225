import { describe, expect, it } from "vitest";
import { StateErrorCode } from "../state-errors.ts";
import { describeCommitOutcomesContract } from "./commit-outcomes.contract.ts";
import {
  ACCOUNT,
  CHANNEL,
  type ContractContext,
  expectCode,
  historyEntryOf,
  type OpenStateBackend,
  OTHER_ACCOUNT,
  outboxDraftOf,
  turnDraftOf,
  useContractBackend,
} from "./contract-fixtures.ts";
import { describeOutboxContract } from "./outbox.contract.ts";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/**
 * Registers the tests every {@link StateBackend} must pass (SQLite in channel-core, PostgreSQL in
 * `@imgate/state-postgres`): the same calls with the same results, so the gateway cannot tell them apart.
 * `open` gets the test's {@link ManualClock} (every time the backend reads must come from it) and returns a
 * backend over an EMPTY database with default options, and a `close` that also disposes of the database.
 * Nothing here knows how a backend stores its rows.
 */
export function describeStateBackendContract(name: string, open: OpenStateBackend): void {
  describe(`state backend contract: ${name}`, () => {
    const ctx = useContractBackend(open);
    describePairingContract(ctx);
    describeSessionsAndHistoryContract(ctx);
    describeDedupeAndCursorsContract(ctx);
    describeOutboxContract(ctx);
    describePendingTurnsContract(ctx);
    describeEchoPausesAndSendLogContract(ctx);
    describeCommitOutcomesContract(ctx);
  });
}

function describePairingContract(ctx: ContractContext): void {
  describe("pairing", () => {
    it("issues a code once per sender, approves it case-insensitively, and an approved code stays approved", async () => {
      const { backend, clock } = ctx;
      const first = await backend.pairing.request({
        channel: CHANNEL,
        sender: "+1555",
        meta: { name: "Ann" },
      });
      expect(first).toMatchObject({ action: "reply", expiresAt: clock.now() + HOUR });
      if (first.action !== "reply") throw new Error("expected a code");
      clock.advance(1_000);
      expect(await backend.pairing.request({ channel: CHANNEL, sender: "+1555" })).toEqual({
        action: "none",
        reason: "already_pending",
        code: first.code,
      });
      expect(await backend.pairing.list(CHANNEL)).toMatchObject([
        { channel: CHANNEL, sender: "+1555", code: first.code, expiresInMs: HOUR - 1_000 },
      ]);
      expect(await backend.pairing.isApprovedSender(CHANNEL, "+1555")).toBe(false);
      expect(await backend.pairing.approve(CHANNEL, first.code.toLowerCase())).toEqual({
        channel: CHANNEL,
        sender: "+1555",
        meta: { name: "Ann" },
      });
      expect(await backend.pairing.isApprovedSender(CHANNEL, "+1555")).toBe(true);
      expect(await backend.pairing.isApprovedSender(CHANNEL, "+1666")).toBe(false);
      expect(await backend.pairing.isApprovedSender("sms", "+1555")).toBe(false);
      expect(await backend.pairing.list(CHANNEL)).toEqual([]);
      expect(await backend.pairing.approve(CHANNEL, first.code)).toMatchObject({
        sender: "+1555",
        alreadyApproved: true,
      });
      expect((await backend.pairing.listApproved(CHANNEL)).map((entry) => entry.sender)).toEqual(["+1555"]);
      expect(backend.pairing.counters()).toMatchObject({ replied: 1, approved: 1, already_approved: 1 });
    });

    it("refuses an unknown code, rejects with a cooldown, and expires codes", async () => {
      const { backend, clock } = ctx;
      await expectCode(backend.pairing.approve(CHANNEL, "ZZZZZZZZ"), StateErrorCode.pairingNotFound);
      const request = await backend.pairing.request({ channel: CHANNEL, sender: "+1777" });
      if (request.action !== "reply") throw new Error("expected a code");
      expect(await backend.pairing.reject(CHANNEL, request.code)).toMatchObject({ sender: "+1777" });
      await expectCode(backend.pairing.approve(CHANNEL, request.code), StateErrorCode.pairingNotFound);
      expect(await backend.pairing.request({ channel: CHANNEL, sender: "+1777" })).toEqual({
        action: "none",
        reason: "rejected",
      });
      clock.advance(DAY + 1);
      expect((await backend.pairing.request({ channel: CHANNEL, sender: "+1777" })).action).toBe("reply");
      const late = await backend.pairing.request({ channel: CHANNEL, sender: "+1888" });
      if (late.action !== "reply") throw new Error("expected a code");
      clock.advance(HOUR);
      expect((await backend.pairing.list(CHANNEL)).map((entry) => entry.sender)).toEqual([]);
      await expectCode(backend.pairing.approve(CHANNEL, late.code), StateErrorCode.pairingNotFound);
    });

    it("adds and removes approved senders directly", async () => {
      const { backend } = ctx;
      expect(await backend.pairing.addApproved(CHANNEL, "a@example.com")).toBe(true);
      expect(await backend.pairing.addApproved(CHANNEL, "a@example.com")).toBe(false);
      expect(await backend.pairing.isApprovedSender(CHANNEL, "a@example.com")).toBe(true);
      expect(await backend.pairing.removeApproved(CHANNEL, "a@example.com")).toBe(true);
      expect(await backend.pairing.removeApproved(CHANNEL, "a@example.com")).toBe(false);
      expect(await backend.pairing.listApproved(CHANNEL)).toEqual([]);
    });
  });
}

function describeSessionsAndHistoryContract(ctx: ContractContext): void {
  describe("sessions and history", () => {
    it("touches a session (generation 0) and starts a new generation on reset, clearing its history", async () => {
      const { backend, clock } = ctx;
      expect(await backend.sessions.getSession("s1")).toBeUndefined();
      const created = await backend.sessions.touchSession("s1");
      expect(created).toMatchObject({
        sessionKey: "s1",
        generation: 0,
        createdAt: clock.now(),
        updatedAt: clock.now(),
      });
      clock.advance(5_000);
      const touched = await backend.sessions.touchSession("s1");
      expect(touched).toEqual({ ...created, updatedAt: clock.now() });
      await backend.history.append("s1", historyEntryOf("m1", clock.now()), 10);
      await backend.history.append("s2", historyEntryOf("m1", clock.now()), 10);
      const reset = await backend.sessions.resetSession("s1");
      expect(reset).toMatchObject({ sessionKey: "s1", generation: 1, createdAt: created.createdAt });
      expect(reset.sessionId).not.toBe(created.sessionId);
      expect(await backend.sessions.getSession("s1")).toEqual(reset);
      expect(await backend.history.load("s1", 10)).toEqual([]);
      expect(await backend.history.load("s2", 10)).toHaveLength(1);
      expect((await backend.sessions.resetSession("new")).generation).toBe(0);
    });

    it("appends history once per message id, trims to the limit and loads the newest, oldest first", async () => {
      const { backend, clock } = ctx;
      const rich = historyEntryOf("m0", clock.now(), {
        senderLabel: "Ann",
        extra: { role: "user", n: [1, 2] },
      });
      expect(await backend.history.append("s", rich, 3)).toBe(true);
      expect(await backend.history.append("s", { ...rich, text: "again" }, 3)).toBe(false);
      for (const id of ["m1", "m2", "m3", "m4"]) {
        clock.advance(1);
        expect(await backend.history.append("s", historyEntryOf(id, clock.now()), 3)).toBe(true);
      }
      expect((await backend.history.load("s", 10)).map((entry) => entry.messageId)).toEqual([
        "m2",
        "m3",
        "m4",
      ]);
      expect((await backend.history.load("s", 2)).map((entry) => entry.messageId)).toEqual(["m3", "m4"]);
      expect(await backend.history.load("s", 0)).toEqual([]);
      expect(await backend.history.append("s", historyEntryOf("m5", clock.now()), 0)).toBe(false);
      // A trimmed message id may come back (it is no longer there to dedupe against).
      expect(await backend.history.append("s", historyEntryOf("m0", clock.now()), 5)).toBe(true);
      await backend.history.append("t", rich, 5);
      expect(await backend.history.load("t", 5)).toEqual([rich]);
      expect(await backend.history.clear("s")).toBe(4);
      expect(await backend.history.load("s", 10)).toEqual([]);
    });
  });
}

function describeDedupeAndCursorsContract(ctx: ContractContext): void {
  describe("dedupe and cursors", () => {
    it("marks a message seen once per account, forgets it after the 7-day TTL, and purges expired marks", async () => {
      const { backend, clock } = ctx;
      expect(await backend.dedupe.has(ACCOUNT, "G1")).toBe(false);
      expect(await backend.dedupe.seen(ACCOUNT, "G1")).toBe(false);
      expect(await backend.dedupe.has(ACCOUNT, "G1")).toBe(true);
      expect(await backend.dedupe.seen(ACCOUNT, "G1")).toBe(true);
      expect(await backend.dedupe.has(OTHER_ACCOUNT, "G1")).toBe(false);
      await backend.dedupe.seen(ACCOUNT, "G2");
      clock.advance(7 * DAY + 1);
      expect(await backend.dedupe.has(ACCOUNT, "G1")).toBe(false);
      expect(await backend.dedupe.seen(ACCOUNT, "G1")).toBe(false);
      expect(await backend.dedupe.purgeExpired()).toBe(1);
      expect(await backend.dedupe.has(ACCOUNT, "G1")).toBe(true);
      expect(backend.dedupe.counters().duplicate).toBeGreaterThanOrEqual(2);
    });

    it("handled: one read that sees the mark, a queued first reply or a stored turn of the message", async () => {
      const { backend, clock } = ctx;
      const now = clock.now();
      const keyOf = (guid: string) => outboxDraftOf("c1", guid, 0).idempotencyKey;
      expect(await backend.dedupe.handled(ACCOUNT, "H1", keyOf("H1"))).toBe(false);
      await backend.dedupe.seen(ACCOUNT, "H1");
      expect(await backend.dedupe.handled(ACCOUNT, "H1", keyOf("H1"))).toBe(true);
      expect(await backend.dedupe.handled(OTHER_ACCOUNT, "H1", "reply:other")).toBe(false);
      await backend.outbox.enqueue(outboxDraftOf("c1", "H2", 0));
      expect(await backend.dedupe.handled(ACCOUNT, "H2", keyOf("H2"))).toBe(true);
      await backend.pendingTurns.record(turnDraftOf("H3", now));
      expect(await backend.dedupe.handled(ACCOUNT, "H3", keyOf("H3"))).toBe(true);
      expect(await backend.dedupe.handled(OTHER_ACCOUNT, "H3", keyOf("H3"))).toBe(false);
      clock.advance(7 * DAY + 1);
      // The mark expired; the queued reply and the stored turn still say the message was handled.
      expect(await backend.dedupe.handled(ACCOUNT, "H1", keyOf("H1"))).toBe(false);
      expect(await backend.dedupe.handled(ACCOUNT, "H2", keyOf("H2"))).toBe(true);
      expect(await backend.dedupe.handled(ACCOUNT, "H3", keyOf("H3"))).toBe(true);
    });

    it("keeps one cursor per (account, source) and moves it on commit", async () => {
      const { backend } = ctx;
      expect(await backend.cursors.get(ACCOUNT, "chat.db")).toBeUndefined();
      await backend.cursors.commit(ACCOUNT, "chat.db", "10");
      await backend.cursors.commit(ACCOUNT, "other.db", "3");
      await backend.cursors.commit(OTHER_ACCOUNT, "chat.db", "99");
      await backend.cursors.commit(ACCOUNT, "chat.db", "12");
      expect(await backend.cursors.get(ACCOUNT, "chat.db")).toBe("12");
      expect(await backend.cursors.get(ACCOUNT, "other.db")).toBe("3");
      expect(await backend.cursors.get(OTHER_ACCOUNT, "chat.db")).toBe("99");
    });
  });
}

function describePendingTurnsContract(ctx: ContractContext): void {
  describe("pending turns", () => {
    it("records a turn once, updates attempts, lists pending ones by arrival, and completes it once", async () => {
      const { backend, clock } = ctx;
      const later = turnDraftOf("G2", clock.now() + 5);
      const draft = turnDraftOf("G1", clock.now());
      expect(await backend.pendingTurns.record(later)).toBe(true);
      expect(await backend.pendingTurns.record(draft)).toBe(true);
      expect(await backend.pendingTurns.record(draft)).toBe(false);
      expect(await backend.pendingTurns.has(ACCOUNT, "G1")).toBe(true);
      expect(await backend.pendingTurns.has(OTHER_ACCOUNT, "G1")).toBe(false);
      expect(await backend.pendingTurns.get(ACCOUNT, "G1")).toMatchObject({
        ...draft,
        guid: "G1",
        state: "pending",
        createdAt: clock.now(),
      });
      clock.advance(100);
      await backend.pendingTurns.recordAttempt(ACCOUNT, "G1", {
        attempts: 2,
        nextAttemptAt: clock.now() + 4_000,
        lastError: "HTTP 502",
      });
      expect(await backend.pendingTurns.get(ACCOUNT, "G1")).toMatchObject({
        attempts: 2,
        nextAttemptAt: clock.now() + 4_000,
        lastError: "HTTP 502",
        updatedAt: clock.now(),
      });
      expect((await backend.pendingTurns.listPending(ACCOUNT)).map((turn) => turn.guid)).toEqual([
        "G1",
        "G2",
      ]);
      expect(await backend.pendingTurns.listPending(OTHER_ACCOUNT)).toEqual([]);
      expect(await backend.pendingTurns.countPending()).toEqual([
        { accountId: ACCOUNT, agentId: "main", count: 2 },
      ]);
      expect(await backend.pendingTurns.complete(ACCOUNT, "G1")).toBe(true);
      expect(await backend.pendingTurns.complete(ACCOUNT, "G1")).toBe(false);
      expect(await backend.pendingTurns.has(ACCOUNT, "G1")).toBe(false);
      expect(backend.pendingTurns.givenUpKept).toBe(50);
    });

    it("gives a turn up once: a pending one, or an unrecorded one unless onlyIfPending", async () => {
      const { backend, clock } = ctx;
      await backend.pendingTurns.record(turnDraftOf("G1", clock.now()));
      clock.advance(10);
      const reason = { reason: "window", error: "HTTP 503 for 10 min" };
      expect(await backend.pendingTurns.giveUp(turnDraftOf("G1", 0, { attempts: 7 }), reason)).toBe(true);
      expect(await backend.pendingTurns.giveUp(turnDraftOf("G1", 0), reason)).toBe(false);
      expect(await backend.pendingTurns.get(ACCOUNT, "G1")).toMatchObject({
        state: "given_up",
        attempts: 7,
        giveUpReason: "window",
        lastError: "HTTP 503 for 10 min",
        givenUpAt: clock.now(),
      });
      expect(await backend.pendingTurns.complete(ACCOUNT, "G1")).toBe(false);
      const fresh = turnDraftOf("G2", clock.now());
      expect(
        await backend.pendingTurns.giveUp(fresh, { reason: "non-retryable" }, { onlyIfPending: true }),
      ).toBe(false);
      expect(await backend.pendingTurns.has(ACCOUNT, "G2")).toBe(false);
      clock.advance(10);
      expect(await backend.pendingTurns.giveUp(fresh, { reason: "non-retryable" })).toBe(true);
      expect((await backend.pendingTurns.listGivenUp(ACCOUNT)).map((turn) => turn.guid)).toEqual([
        "G2",
        "G1",
      ]);
      expect((await backend.pendingTurns.listGivenUp(ACCOUNT, 1)).map((turn) => turn.guid)).toEqual(["G2"]);
      expect(await backend.pendingTurns.listPending(ACCOUNT)).toEqual([]);
      expect(await backend.pendingTurns.countPending()).toEqual([]);
    });
  });
}

function describeEchoPausesAndSendLogContract(ctx: ContractContext): void {
  describe("echo rows, pauses and the send log", () => {
    it("keeps echo rows per scope: loads unexpired ones oldest first, consumes a text once, prunes", async () => {
      const { backend, clock } = ctx;
      const now = clock.now();
      await backend.echo.insert("s1", {
        kind: "guid",
        key: "G1",
        bound: "7\u001Fhello",
        expiresAt: now + 1_000,
      });
      await backend.echo.insert("s1", { kind: "text", key: "7\u001Fhi", expiresAt: now + 60 });
      await backend.echo.insert("s1", { kind: "text", key: "7\u001Fhi", expiresAt: now + 50 });
      await backend.echo.insert("s1", { kind: "guid", key: "OLD", expiresAt: now });
      await backend.echo.insert("s2", { kind: "guid", key: "G2", expiresAt: now + 1_000 });
      expect(await backend.echo.load("s1", now)).toEqual([
        { kind: "guid", key: "G1", bound: "7\u001Fhello", expiresAt: now + 1_000 },
        { kind: "text", key: "7\u001Fhi", expiresAt: now + 60 },
        { kind: "text", key: "7\u001Fhi", expiresAt: now + 50 },
      ]);
      await backend.echo.consumeText("s1", "7\u001Fhi", now);
      expect((await backend.echo.load("s1", now)).map((row) => row.expiresAt)).toEqual([
        now + 1_000,
        now + 60,
      ]);
      await backend.echo.consumeText("s2", "7\u001Fhi", now); // another scope's text: nothing to consume
      expect(await backend.echo.load("s2", now)).toHaveLength(1);
      await backend.echo.insert("s1", { kind: "guid", key: "G3", expiresAt: now + 2_000 });
      await backend.echo.prune("s1", now + 70, 1);
      expect((await backend.echo.load("s1", now)).map((row) => row.key)).toEqual(["G3"]);
      expect(await backend.echo.load("s2", now)).toHaveLength(1);
    });

    it("pauses one account or all and resumes them", async () => {
      const { backend, clock } = ctx;
      const paused = await backend.pauses.pause(CHANNEL, ACCOUNT, "spam report");
      expect(paused).toEqual({
        channel: CHANNEL,
        accountId: ACCOUNT,
        pausedAt: clock.now(),
        reason: "spam report",
      });
      clock.advance(5);
      expect(await backend.pauses.pause(CHANNEL, ACCOUNT)).toEqual(paused);
      expect(await backend.pauses.stateOf(CHANNEL, ACCOUNT)).toEqual({ ...paused, scope: "account" });
      expect(await backend.pauses.stateOf(CHANNEL, OTHER_ACCOUNT)).toBeUndefined();
      await backend.pauses.pause(CHANNEL, undefined);
      expect(await backend.pauses.stateOf(CHANNEL, OTHER_ACCOUNT)).toMatchObject({
        scope: "all",
        accountId: "*",
      });
      expect(await backend.pauses.stateOf(CHANNEL, ACCOUNT)).toMatchObject({ scope: "all" });
      expect((await backend.pauses.list()).map((record) => record.accountId)).toEqual([ACCOUNT, "*"]);
      expect(await backend.pauses.list("sms")).toEqual([]);
      expect((await backend.pauses.resume(CHANNEL, ACCOUNT)).map((record) => record.accountId)).toEqual([
        ACCOUNT,
      ]);
      expect(await backend.pauses.resume(CHANNEL, undefined)).toHaveLength(1);
      expect(await backend.pauses.list()).toEqual([]);
    });

    it("counts sends and distinct new contacts in a window", async () => {
      const { backend, clock } = ctx;
      const t0 = clock.now();
      const entry = { channel: CHANNEL, accountId: ACCOUNT };
      await backend.sendLog.record({ ...entry, contact: "+1", newContact: true, at: t0 });
      await backend.sendLog.record({ ...entry, contact: "+1", newContact: true, at: t0 + 10 });
      await backend.sendLog.record({ ...entry, contact: "+2", newContact: false, at: t0 + 20 });
      await backend.sendLog.record({ ...entry, contact: "+3", newContact: true, at: t0 + 25 });
      await backend.sendLog.record({
        ...entry,
        accountId: OTHER_ACCOUNT,
        contact: "+4",
        newContact: true,
        at: t0 + 30,
      });
      expect(await backend.sendLog.usage(CHANNEL, ACCOUNT, t0)).toEqual({
        sends: 4,
        oldestSendAt: t0,
        newContacts: 2,
        newContactFirstAt: [t0, t0 + 25],
      });
      expect(await backend.sendLog.usage(CHANNEL, ACCOUNT, t0 + 21)).toEqual({
        sends: 1,
        oldestSendAt: t0 + 25,
        newContacts: 1,
        newContactFirstAt: [t0 + 25],
      });
      expect(await backend.sendLog.usage("sms", ACCOUNT, t0)).toEqual({
        sends: 0,
        newContacts: 0,
        newContactFirstAt: [],
      });
      expect(await backend.sendLog.countedSince(CHANNEL, ACCOUNT, "+1", t0)).toBe(true);
      expect(await backend.sendLog.countedSince(CHANNEL, ACCOUNT, "+2", t0)).toBe(false);
      expect(await backend.sendLog.countedSince(CHANNEL, ACCOUNT, "+1", t0 + 11)).toBe(false);
      expect(await backend.sendLog.lastSendAt(CHANNEL, ACCOUNT)).toBe(t0 + 25);
      expect(await backend.sendLog.lastSendAt(CHANNEL, "nobody")).toBeUndefined();
      expect(await backend.sendLog.purge(t0 + 20)).toBe(2);
      expect((await backend.sendLog.usage(CHANNEL, ACCOUNT, 0)).sends).toBe(2);
    });
  });
}
