import type { HistoryEntry, OutboxDraft, OutcomeBatch, OutcomeOp } from "@imgate/channel-core";
import { waitFor } from "@imgate/imsg-sim/testing";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendFixtures, turnDraft } from "./__fixtures__/backend-fixture.ts";
import { createAccountLeases } from "./account-leases.ts";
import { PostgresErrorCode, type PostgresStateError } from "./postgres-errors.ts";
import { type PostgresHarness, startPostgres } from "./testing/postgres-harness.ts";

let server: PostgresHarness | undefined;
const fixtures = backendFixtures(() => server as PostgresHarness);
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await fixtures.end();
  await server?.stop();
});

const ACCOUNT = "bot";
const SESSION = "agent:main:main";

const message = (id: string, text = `text ${id}`): HistoryEntry => ({
  sender: "+15550001111",
  text,
  messageId: id,
  timestamp: 1_000,
});

const reply = (guid: string, chunk: number, chatKey = "7"): OutboxDraft => ({
  idempotencyKey: `reply:imessage:${ACCOUNT}:${guid}:${chunk}`,
  channel: "imessage",
  accountId: ACCOUNT,
  chatKey,
  target: `chat_id:${chatKey}`,
  text: `answer to ${guid} (${chunk})`,
});

/** The turn runner's writes for one answered inbound message. */
const answered = (guid: string, chatKey = "7"): OutcomeOp[] => [
  { op: "onlyIf", args: [{ kind: "firstSeen", accountId: ACCOUNT, guid }] },
  { op: "touchSession", args: [SESSION] },
  { op: "appendHistory", args: [SESSION, message(guid), 10] },
  { op: "enqueue", args: [[reply(guid, 0, chatKey), reply(guid, 1, chatKey)]] },
];

const batchOf = (outcomes: OutcomeOp[][], extra: Partial<OutcomeBatch> = {}): OutcomeBatch => ({
  accountId: ACCOUNT,
  outcomes: outcomes.map((ops, index) => ({ rowid: index + 1, ops })),
  ...extra,
});

describe("commitOutcomes on PostgreSQL", () => {
  it("applies a whole batch in ONE statement on the pool (no checkout, no BEGIN/COMMIT round trips)", async () => {
    const { backend, pool } = await fixtures.open();
    await backend.outbox.reconcile(() => "unknown", { accountId: ACCOUNT });
    const sent: string[] = [];
    const query = pool.query.bind(pool);
    const connect = pool.connect.bind(pool);
    let checkouts = 0;
    pool.query = ((...args: Parameters<typeof query>) => {
      sent.push(String(typeof args[0] === "string" ? args[0] : (args[0] as { text: string }).text));
      return query(...args);
    }) as typeof pool.query;
    pool.connect = ((...args: Parameters<typeof connect>) => {
      checkouts += 1;
      return connect(...args);
    }) as typeof pool.connect;
    try {
      const result = await backend.commitOutcomes(
        batchOf([answered("G1"), answered("G2"), answered("G3")], {
          cursor: { source: "chat.db", position: "3", requires: [0, 1, 2] },
          claimNext: { channel: "imessage" },
        }),
      );
      expect(sent).toEqual(["SELECT imgate_commit_outcomes($1::jsonb) AS result"]);
      // pool.query checks a client out internally once; no explicit checkout for a transaction.
      expect(checkouts).toBeLessThanOrEqual(1);
      expect(result.failed).toEqual([]);
      expect(result.cursorMoved).toBe(true);
      expect(result.claimed).toMatchObject({
        idempotencyKey: reply("G1", 0).idempotencyKey,
        state: "sending",
      });
    } finally {
      pool.query = query as typeof pool.query;
      pool.connect = connect as typeof pool.connect;
    }
    expect(await backend.cursors.get(ACCOUNT, "chat.db")).toBe("3");
    expect((await backend.history.load(SESSION, 10)).map((entry) => entry.messageId)).toEqual([
      "G1",
      "G2",
      "G3",
    ]);
    expect((await backend.outbox.list()).map((entry) => [entry.idempotencyKey, entry.state])).toEqual([
      [reply("G1", 0).idempotencyKey, "sending"],
      [reply("G1", 1).idempotencyKey, "queued"],
      [reply("G2", 0).idempotencyKey, "queued"],
      [reply("G2", 1).idempotencyKey, "queued"],
      [reply("G3", 0).idempotencyKey, "queued"],
      [reply("G3", 1).idempotencyKey, "queued"],
    ]);
    expect(await backend.sessions.getSession(SESSION)).toMatchObject({ generation: 0 });
  });

  it("a replayed message (dedupe mark already set) is skipped, not failed: nothing of it is written twice", async () => {
    const { backend, count } = await fixtures.open();
    const first = await backend.commitOutcomes(batchOf([answered("G1")]));
    expect(first.failed).toEqual([]);
    const replay = await backend.commitOutcomes(
      batchOf([answered("G1"), answered("G2")], {
        cursor: { source: "chat.db", position: "2", requires: [0, 1] },
      }),
    );
    expect(replay).toEqual({ failed: [], cursorMoved: true, claimed: undefined });
    expect(await count("outbox")).toBe(4);
    expect(await count("history")).toBe(2);
    expect(await backend.dedupe.has(ACCOUNT, "G1")).toBe(true);
  });

  it("onlyIf: the first guard that changes a row wins (a recorded turn completes; its dedupe mark is not needed)", async () => {
    const { backend, clock } = await fixtures.open();
    expect(await backend.pendingTurns.record(turnDraft(clock, "G1"))).toBe(true);
    const retried: OutcomeOp[] = [
      {
        op: "onlyIf",
        args: [
          { kind: "completePendingTurn", accountId: ACCOUNT, guid: "G1" },
          { kind: "firstSeen", accountId: ACCOUNT, guid: "G1" },
        ],
      },
      { op: "appendHistory", args: [SESSION, message("G1"), 10] },
    ];
    expect((await backend.commitOutcomes(batchOf([retried]))).failed).toEqual([]);
    expect(await backend.pendingTurns.has(ACCOUNT, "G1")).toBe(false);
    // The second guard was never tried: the message carries no dedupe mark.
    expect(await backend.dedupe.has(ACCOUNT, "G1")).toBe(false);
    // Again: the turn is gone, so firstSeen decides (new), then a third time nothing changes and it is skipped.
    await backend.history.clear(SESSION);
    await backend.commitOutcomes(batchOf([retried]));
    expect(await backend.history.load(SESSION, 10)).toHaveLength(1);
    await backend.history.clear(SESSION);
    await backend.commitOutcomes(batchOf([retried]));
    expect(await backend.history.load(SESSION, 10)).toEqual([]);
  });

  it("a giveUp guard with onlyIfPending changes nothing after an answer, so the failure reply is not queued", async () => {
    const { backend, clock } = await fixtures.open();
    const giveUp = (guid: string): OutcomeOp[] => [
      {
        op: "onlyIf",
        args: [
          {
            kind: "giveUp",
            draft: turnDraft(clock, guid),
            outcome: { reason: "window" },
            onlyIfPending: true,
          },
        ],
      },
      { op: "enqueue", args: [[reply(guid, 0)]] },
    ];
    await backend.pendingTurns.record(turnDraft(clock, "PENDING"));
    const result = await backend.commitOutcomes(batchOf([giveUp("PENDING"), giveUp("ANSWERED")]));
    expect(result.failed).toEqual([]);
    expect(await backend.outbox.hasKey(reply("PENDING", 0).idempotencyKey)).toBe(true);
    expect(await backend.outbox.hasKey(reply("ANSWERED", 0).idempotencyKey)).toBe(false);
    expect(await backend.pendingTurns.get(ACCOUNT, "PENDING")).toMatchObject({
      state: "given_up",
      giveUpReason: "window",
      givenUpAt: clock.now(),
    });
    expect(await backend.pendingTurns.has(ACCOUNT, "ANSWERED")).toBe(false);
  });

  it("a failing outcome rolls back alone (its dedupe mark too); the cursor waits for it but moves for the others", async () => {
    const { backend, count, warnings } = await fixtures.open();
    // An entry without text violates NOT NULL in the middle of the outcome, after its guard and session touch.
    const broken: OutcomeOp[] = [
      { op: "onlyIf", args: [{ kind: "firstSeen", accountId: ACCOUNT, guid: "BAD" }] },
      { op: "touchSession", args: ["agent:main:other"] },
      {
        op: "appendHistory",
        args: [SESSION, { ...message("BAD"), text: undefined } as unknown as HistoryEntry, 10],
      },
    ];
    const result = await backend.commitOutcomes(
      batchOf([answered("G1"), broken, answered("G3")], {
        cursor: { source: "chat.db", position: "3", requires: [0, 1, 2] },
      }),
    );
    expect(result).toEqual({ failed: [1], cursorMoved: false, claimed: undefined });
    // The cause is logged with the outcome's row, so a stuck row can be explained.
    expect(warnings).toEqual([
      {
        level: "error",
        fields: expect.objectContaining({
          index: 1,
          rowid: 2,
          err: { code: "23502", message: expect.stringContaining('"text"') },
        }),
        text: "could not persist an inbound outcome; it was rolled back alone",
      },
    ]);
    expect(await backend.dedupe.has(ACCOUNT, "BAD")).toBe(false);
    expect(await backend.sessions.getSession("agent:main:other")).toBeUndefined();
    expect((await backend.history.load(SESSION, 10)).map((entry) => entry.messageId)).toEqual(["G1", "G3"]);
    expect(await count("outbox")).toBe(4);
    expect(await backend.cursors.get(ACCOUNT, "chat.db")).toBeUndefined();

    // The cursor up to the first outcome only does not depend on the failed one.
    const next = await backend.commitOutcomes(
      batchOf([broken], { cursor: { source: "chat.db", position: "1", requires: [] } }),
    );
    expect(next).toEqual({ failed: [0], cursorMoved: true, claimed: undefined });
    expect(await backend.cursors.get(ACCOUNT, "chat.db")).toBe("1");
    // An index outside the batch never counts as applied: replaying beats losing.
    const outside = await backend.commitOutcomes(
      batchOf([], { cursor: { source: "chat.db", position: "9", requires: [0] } }),
    );
    expect(outside.cursorMoved).toBe(false);
  });

  it("claimNext in the batch keeps per-chat order and the due time, like outbox.claimNext", async () => {
    const { backend, clock } = await fixtures.open();
    await backend.outbox.reconcile(() => "unknown", { accountId: ACCOUNT });
    await backend.outbox.enqueue({ ...reply("OLD", 0, "8"), text: "later" });
    const held = await backend.outbox.claimNext({ accountId: ACCOUNT });
    await backend.outbox.hold(held?.id as number, "limit", clock.now() + 60_000);
    // Chat 8 is held back (not due); chat 9's new entry is the next sendable one.
    const result = await backend.commitOutcomes(
      batchOf([[...answered("N1", "8")], [...answered("N2", "9")]], { claimNext: { channel: "imessage" } }),
    );
    expect(result.claimed).toMatchObject({
      chatKey: "9",
      idempotencyKey: reply("N2", 0).idempotencyKey,
      attempts: 1,
    });
    // Nothing else is sendable: chat 9's second chunk waits for its first, chat 8 for its held entry.
    expect(await backend.outbox.claimNext({ accountId: ACCOUNT })).toBeUndefined();
    clock.advance(60_000);
    expect(await backend.outbox.claimNext({ accountId: ACCOUNT })).toMatchObject({ text: "later" });
  });

  it("claims nothing before the account's outbox was reconciled, and writes nothing then", async () => {
    const { backend, count } = await fixtures.open();
    await expect(
      backend.commitOutcomes(batchOf([answered("G1")], { claimNext: { channel: "imessage" } })),
    ).rejects.toMatchObject({ code: "OUTBOX_NOT_RECONCILED" });
    expect(await count("outbox")).toBe(0);
  });

  it("a batch under a stale fencing token is refused with PG_LEASE_LOST and writes nothing", async () => {
    const { backend, pool, count, second } = await fixtures.open();
    const other = await second();
    const mine = createAccountLeases({ pool, holderId: "gw-a", ttlMs: 60_000 });
    const theirs = createAccountLeases({ pool, holderId: "gw-b", ttlMs: 60_000 });
    const taken = await mine.acquire(ACCOUNT);
    if (!taken.acquired) throw new Error("expected the lease");
    const lease = { holderId: "gw-a", fencingToken: taken.lease.fencingToken };
    expect((await backend.commitOutcomes(batchOf([answered("G1")], { lease }))).failed).toEqual([]);

    // gw-a is deposed (its lease expired and gw-b took it): its late batch must not land.
    await pool.query(
      "UPDATE account_leases SET expires_at = now() - interval '1 second' WHERE account_id = $1",
      [ACCOUNT],
    );
    const took = await theirs.acquire(ACCOUNT);
    expect(took.acquired && took.lease.fencingToken).toBe(lease.fencingToken + 1);
    const before = await Promise.all(["outbox", "history", "inbound_seen", "sessions", "cursors"].map(count));
    const error = (await backend
      .commitOutcomes(
        batchOf([answered("G2")], {
          lease,
          cursor: { source: "chat.db", position: "2", requires: [0] },
          claimNext: undefined,
        }),
      )
      .catch((e: unknown) => e)) as PostgresStateError;
    expect(error.code).toBe(PostgresErrorCode.leaseLost);
    expect(error.message).toContain(ACCOUNT);
    expect(
      await Promise.all(["outbox", "history", "inbound_seen", "sessions", "cursors"].map(count)),
    ).toEqual(before);

    // The same holder id with the new holder's token is refused too: the token, not the name, decides.
    await expect(
      backend.commitOutcomes(
        batchOf([answered("G2")], { lease: { holderId: "gw-a", fencingToken: lease.fencingToken + 1 } }),
      ),
    ).rejects.toMatchObject({ code: PostgresErrorCode.leaseLost });
    // The current holder (another gateway, another pool) commits.
    const current = { holderId: "gw-b", fencingToken: lease.fencingToken + 1 };
    expect((await other.commitOutcomes(batchOf([answered("G2")], { lease: current }))).failed).toEqual([]);
    expect(await backend.dedupe.has(ACCOUNT, "G2")).toBe(true);
  });

  // After a restart the original gateway replayed messages it had already answered, because its dedupe marks lived
  // in process memory and the cursor lagged (openclaw/openclaw#85363). With a shared database the marks live with
  // the outcome: a standby that takes over and replays from the lagging cursor answers nothing twice.
  it("failover: the new holder replays from a lagging cursor and answers nothing the old holder answered", async () => {
    const { backend, pool, second, count } = await fixtures.open();
    const standby = await second();
    const a = createAccountLeases({ pool, holderId: "gw-a", ttlMs: 60_000 });
    const b = createAccountLeases({ pool, holderId: "gw-b", ttlMs: 60_000 });
    const first = await a.acquire(ACCOUNT);
    if (!first.acquired) throw new Error("expected the lease");
    // gw-a answers G1 and G2; the cursor only got as far as G1 before it died.
    await backend.commitOutcomes(
      batchOf([answered("G1")], {
        lease: { holderId: "gw-a", fencingToken: first.lease.fencingToken },
        cursor: { source: "chat.db", position: "1", requires: [0] },
      }),
    );
    await backend.commitOutcomes(
      batchOf([answered("G2")], { lease: { holderId: "gw-a", fencingToken: first.lease.fencingToken } }),
    );
    await pool.query("UPDATE account_leases SET expires_at = now() - interval '1 second'");
    const taken = await b.acquire(ACCOUNT);
    if (!taken.acquired) throw new Error("expected the standby to take the lease");
    expect(await standby.cursors.get(ACCOUNT, "chat.db")).toBe("1");
    await standby.outbox.reconcile(() => "unknown", { accountId: ACCOUNT });
    const replay = await standby.commitOutcomes(
      batchOf([answered("G2"), answered("G3")], {
        lease: { holderId: "gw-b", fencingToken: taken.lease.fencingToken },
        cursor: { source: "chat.db", position: "3", requires: [0, 1] },
        claimNext: { channel: "imessage" },
      }),
    );
    expect(replay.failed).toEqual([]);
    expect(replay.cursorMoved).toBe(true);
    // G1's first chunk is the next one due: nothing of G2 was queued again, G3 is queued behind.
    expect(replay.claimed?.idempotencyKey).toBe(reply("G1", 0).idempotencyKey);
    expect(await count("outbox")).toBe(6);
    expect((await standby.history.load(SESSION, 10)).map((entry) => entry.messageId)).toEqual([
      "G1",
      "G2",
      "G3",
    ]);
  });

  it("an expired lease of the same holder is refused: expiry is the database's clock", async () => {
    const { backend, pool } = await fixtures.open();
    const leases = createAccountLeases({ pool, holderId: "gw-a", ttlMs: 60_000 });
    const taken = await leases.acquire(ACCOUNT);
    if (!taken.acquired) throw new Error("expected the lease");
    await pool.query("UPDATE account_leases SET expires_at = now() - interval '1 second'");
    await expect(
      backend.commitOutcomes(
        batchOf([answered("G1")], { lease: { holderId: "gw-a", fencingToken: taken.lease.fencingToken } }),
      ),
    ).rejects.toMatchObject({ code: PostgresErrorCode.leaseLost });
    expect(await backend.dedupe.has(ACCOUNT, "G1")).toBe(false);
  });

  it("records pending turns and attempts, resets sessions (history cleared), with the gateway's clock", async () => {
    const { backend, clock } = await fixtures.open();
    await backend.commitOutcomes(batchOf([answered("G1")]));
    clock.advance(5_000);
    const result = await backend.commitOutcomes(
      batchOf([
        [
          { op: "onlyIf", args: [{ kind: "firstSeen", accountId: ACCOUNT, guid: "G2" }] },
          { op: "recordPendingTurn", args: [turnDraft(clock, "G2")] },
          {
            op: "recordAttempt",
            args: [ACCOUNT, "G2", { attempts: 2, nextAttemptAt: 99, lastError: "x".repeat(600) }],
          },
          { op: "resetSession", args: [SESSION] },
        ],
      ]),
    );
    expect(result.failed).toEqual([]);
    const turn = await backend.pendingTurns.get(ACCOUNT, "G2");
    expect(turn).toMatchObject({ state: "pending", attempts: 2, nextAttemptAt: 99, updatedAt: clock.now() });
    expect(turn?.lastError).toBe(`${"x".repeat(500)}…`);
    expect(await backend.sessions.getSession(SESSION)).toMatchObject({
      generation: 1,
      updatedAt: clock.now(),
    });
    expect(await backend.history.load(SESSION, 10)).toEqual([]);
  });

  it("a message text with U+0000 (which PostgreSQL text cannot hold) is stored with U+FFFD, not a failed batch", async () => {
    const { backend } = await fixtures.open();
    const ops: OutcomeOp[] = [{ op: "appendHistory", args: [SESSION, message("G1", "a\u0000b"), 10] }];
    expect((await backend.commitOutcomes(batchOf([ops]))).failed).toEqual([]);
    expect((await backend.history.load(SESSION, 1))[0]?.text).toBe("a\uFFFDb");
  });

  it("a fractional time in a batch (the wire allows any number) is rounded, not a failed outcome", async () => {
    const { backend, clock } = await fixtures.open();
    const ops: OutcomeOp[] = [
      { op: "appendHistory", args: [SESSION, { ...message("G1"), timestamp: 1_000.6 }, 10] },
      { op: "recordPendingTurn", args: [turnDraft(clock, "G1", { arrivedAt: 5.2, nextAttemptAt: 9.7 })] },
    ];
    expect((await backend.commitOutcomes(batchOf([ops]))).failed).toEqual([]);
    expect((await backend.history.load(SESSION, 1))[0]?.timestamp).toBe(1_001);
    expect(await backend.pendingTurns.get(ACCOUNT, "G1")).toMatchObject({ arrivedAt: 5, nextAttemptAt: 10 });
  });

  it("two gateways committing into one shared session at once (session.dmScope main) lose nothing", async () => {
    const { backend, second } = await fixtures.open();
    const other = await second();
    const commits = Array.from({ length: 12 }, (_, n) => {
      const [gateway, account] = n % 2 === 0 ? [backend, "bot"] : [other, "alt"];
      return gateway.commitOutcomes({
        accountId: account,
        outcomes: [
          {
            rowid: n,
            ops: [
              { op: "onlyIf", args: [{ kind: "firstSeen", accountId: account, guid: `G${n}` }] },
              { op: "touchSession", args: [SESSION] },
              { op: "appendHistory", args: [SESSION, message(`G${n}`), 100] },
            ],
          },
        ],
      });
    });
    const results = await Promise.all(commits);
    expect(results.flatMap((result) => result.failed)).toEqual([]);
    expect((await backend.history.load(SESSION, 100)).map((entry) => entry.messageId).sort()).toEqual(
      Array.from({ length: 12 }, (_, n) => `G${n}`).sort(),
    );
    expect(await backend.sessions.getSession(SESSION)).toMatchObject({ generation: 0 });
  });

  it("a lease takeover waits for the holder's batch in flight (FOR SHARE), so no write lands after it", async () => {
    const { backend, pool, url } = await fixtures.open();
    const mine = createAccountLeases({ pool, holderId: "gw-a", ttlMs: 60_000 });
    const taken = await mine.acquire(ACCOUNT);
    if (!taken.acquired) throw new Error("expected the lease");
    const lease = { holderId: "gw-a", fencingToken: taken.lease.fencingToken };
    // The holder's batch, run by hand inside a transaction that is still open.
    const inFlight = new Client({ connectionString: url });
    await inFlight.connect();
    try {
      await inFlight.query("BEGIN");
      const wire = {
        accountId: ACCOUNT,
        now: 1,
        dedupeTtlMs: 1_000,
        givenUpKept: 50,
        lease,
        // As the backend sends it: a touchSession carries the session id drawn for a new session.
        outcomes: [
          { ops: answered("G1").map((op) => (op.op === "touchSession" ? { ...op, sessionId: "S" } : op)) },
        ],
      };
      await inFlight.query("SELECT imgate_commit_outcomes($1::jsonb)", [JSON.stringify(wire)]);
      // Another gateway tries to take the account meanwhile: it must wait on the lease row.
      const theirs = createAccountLeases({ pool, holderId: "gw-b", ttlMs: 60_000 });
      const attempt = theirs.acquire(ACCOUNT);
      await waitFor(async () => {
        const { rows } = await pool.query(
          "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO account_leases%'",
        );
        return rows.length > 0;
      }, "the takeover to wait on the lease row");
      await inFlight.query("COMMIT");
      // The lease was live when the batch committed: the takeover is refused, and the batch's writes are there.
      expect(await attempt).toMatchObject({ acquired: false, holder: { holderId: "gw-a" } });
      expect(await backend.dedupe.has(ACCOUNT, "G1")).toBe(false); // its mark is at clock time 1: expired
      expect(await backend.outbox.hasKey(reply("G1", 0).idempotencyKey)).toBe(true);
    } finally {
      await inFlight.end();
    }
  });
});
