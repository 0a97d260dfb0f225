import { type OutboxDraft, silentLogger } from "@imgate/channel-core";
import { waitFor } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendFixtures, turnDraft } from "./__fixtures__/backend-fixture.ts";
import { openPostgresPool } from "./open-postgres-pool.ts";
import { createPostgresBackend } from "./postgres-backend.ts";
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

const draft = (key: string, accountId = "bot", chatKey = "7"): OutboxDraft => ({
  idempotencyKey: key,
  channel: "imessage",
  accountId,
  chatKey,
  target: `chat_id:${chatKey}`,
  text: `text ${key}`,
});

describe("PostgreSQL backend: outbox", () => {
  it("enqueue is idempotent per key, keeps media, meta, reaction and reply-to, and returns the stored entry", async () => {
    const { backend, clock } = await fixtures.open();
    const rich = { ...draft("k1"), media: ["/tmp/a.png"], meta: { n: 1 }, reaction: "love", replyTo: "G0" };
    const first = await backend.outbox.enqueue(rich);
    expect(first).toEqual({
      created: true,
      entry: {
        ...rich,
        id: first.entry.id,
        state: "queued",
        attempts: 0,
        notBefore: 0,
        createdAt: clock.now(),
        updatedAt: clock.now(),
      },
    });
    clock.advance(1_000);
    const again = await backend.outbox.enqueue({ ...rich, text: "different" });
    expect(again).toEqual({ created: false, entry: first.entry });
    // U+0000, which PostgreSQL text cannot hold, is stored as U+FFFD instead of failing the send.
    expect((await backend.outbox.enqueue({ ...draft("nul"), text: "a\u0000b" })).entry.text).toBe("a\uFFFDb");
    // Empty media is stored as none, as on SQLite.
    expect((await backend.outbox.enqueue({ ...draft("k2"), media: [] })).entry).not.toHaveProperty("media");
    expect(await backend.outbox.counts()).toEqual({ queued: 3, sending: 0, sent: 0, failed: 0, unknown: 0 });
  });

  it("refuses to hand out entries before reconcile, then sends each chat strictly in order", async () => {
    const { backend } = await fixtures.open();
    for (const key of ["a1", "a2"]) await backend.outbox.enqueue(draft(key, "bot", "A"));
    await backend.outbox.enqueue(draft("b1", "bot", "B"));
    await expect(backend.outbox.claimNext({ accountId: "bot" })).rejects.toMatchObject({
      code: "OUTBOX_NOT_RECONCILED",
    });
    await backend.outbox.reconcile(() => "unknown");
    const a1 = await backend.outbox.claimNext();
    const b1 = await backend.outbox.claimNext();
    expect([a1?.idempotencyKey, b1?.idempotencyKey]).toEqual(["a1", "b1"]);
    expect(await backend.outbox.claimNext()).toBeUndefined();
    const a2 = (await backend.outbox.getByKey("a2"))?.id as number;
    await expect(backend.outbox.markSending(a2)).rejects.toMatchObject({
      code: "OUTBOX_INVALID_STATE",
      message: expect.stringContaining("waits for an earlier unresolved entry"),
    });
    // Uncertain delivery holds the chat back too; a decision releases it.
    await backend.outbox.markUnknown(a1?.id as number, "timeout");
    expect(await backend.outbox.claimNext()).toBeUndefined();
    await backend.outbox.markSent(a1?.id as number, "GUID-1");
    expect(await backend.outbox.markSending(a2)).toMatchObject({
      idempotencyKey: "a2",
      state: "sending",
      attempts: 1,
    });
    await expect(backend.outbox.requeue(a2)).rejects.toMatchObject({
      code: "OUTBOX_INVALID_STATE",
      message: `Outbox entry ${a2} is sending; it can only become queued from unknown or failed. Re-read it with outbox.get() and act on its current state.`,
    });
    await expect(backend.outbox.markSent(999_999)).rejects.toMatchObject({
      message: expect.stringContaining("does not exist"),
    });
  });

  it("retry, hold and release: a held entry keeps its place, is not counted as an attempt, and its reason shows", async () => {
    const { backend, clock } = await fixtures.open();
    await backend.outbox.reconcile(() => "unknown");
    await backend.outbox.enqueue(draft("h1"));
    const claimed = await backend.outbox.claimNext();
    const held = await backend.outbox.hold(claimed?.id as number, "hourly limit", clock.now() + 60_000);
    expect(held).toMatchObject({
      state: "queued",
      attempts: 0,
      heldReason: "hourly limit",
      notBefore: clock.now() + 60_000,
    });
    expect(await backend.outbox.claimNext()).toBeUndefined();
    expect(await backend.outbox.releaseHolds("bot")).toBe(1);
    const again = await backend.outbox.claimNext();
    expect(again).toMatchObject({ id: held.id, attempts: 1 });
    const retry = await backend.outbox.markFailed(held.id, "imsg said no", { retryAt: clock.now() + 5_000 });
    expect(retry).toMatchObject({ state: "queued", lastError: "imsg said no" });
    expect(retry).not.toHaveProperty("heldReason");
    clock.advance(5_000);
    await backend.outbox.claimNext();
    expect(await backend.outbox.markFailed(held.id, "gave up")).toMatchObject({
      state: "failed",
      attempts: 2,
    });
    clock.advance(1);
    expect(await backend.outbox.purgeResolved(clock.now())).toBe(1);
    expect(await backend.outbox.list()).toEqual([]);
  });

  it("reconcile({ accountId }) on a shared database touches only that account's entries", async () => {
    const { backend, second } = await fixtures.open();
    const other = await second();
    await backend.outbox.reconcile(() => "unknown");
    await other.outbox.reconcile(() => "unknown");
    for (const account of ["mine", "theirs"]) {
      await backend.outbox.enqueue(draft(`${account}-1`, account));
      await backend.outbox.enqueue(draft(`${account}-2`, account, "8"));
    }
    // Both gateways have an entry in flight; then "mine"'s gateway crashes and a new one reconciles its account.
    await backend.outbox.claimNext({ accountId: "mine" });
    await other.outbox.claimNext({ accountId: "theirs" });
    const restarted = await second();
    const checked: string[] = [];
    const report = await restarted.outbox.reconcile(
      (entry) => {
        checked.push(entry.idempotencyKey);
        return "not_sent";
      },
      { accountId: "mine" },
    );
    expect(checked).toEqual(["mine-1"]);
    expect(report).toMatchObject({ sent: 0, requeued: 1, unknown: [], unchecked: [] });
    expect((await other.outbox.getByKey("theirs-1"))?.state).toBe("sending");
    expect((await other.outbox.getByKey("mine-1"))?.state).toBe("queued");
  });

  it("per-account reconcile unlocks only that account's claims", async () => {
    const { backend } = await fixtures.open();
    await backend.outbox.enqueue(draft("m1", "mine"));
    await backend.outbox.enqueue(draft("t1", "theirs"));
    await backend.outbox.reconcile(() => "unknown", { accountId: "mine" });
    expect(await backend.outbox.claimNext({ accountId: "mine" })).toMatchObject({ idempotencyKey: "m1" });
    await expect(backend.outbox.claimNext({ accountId: "theirs" })).rejects.toMatchObject({
      code: "OUTBOX_NOT_RECONCILED",
    });
    await expect(backend.outbox.claimNext()).rejects.toMatchObject({ code: "OUTBOX_NOT_RECONCILED" });
    const t1 = (await backend.outbox.getByKey("t1"))?.id as number;
    await expect(backend.outbox.markSending(t1)).rejects.toMatchObject({ code: "OUTBOX_NOT_RECONCILED" });
  });
  it("the claim's per-chat check is served by the partial index outbox_unresolved (no walk over sent entries)", async () => {
    const { backend, pool } = await fixtures.open();
    await backend.outbox.reconcile(() => "unknown");
    for (let n = 0; n < 30; n += 1) await backend.outbox.enqueue(draft(`k${n}`, "bot", String(n % 3)));
    await pool.query("ANALYZE outbox");
    // auto_explain writes the plans of the statements inside imgate_claim_next to the server's log.
    const client = await pool.connect();
    try {
      await client.query("LOAD 'auto_explain'");
      await client.query("SET auto_explain.log_min_duration = 0");
      await client.query("SET auto_explain.log_nested_statements = on");
      await client.query("SET enable_seqscan = off");
      const before = (server as PostgresHarness).logs().length;
      await client.query("SELECT * FROM imgate_claim_next($1, $2, $3)", ["imessage", "bot", 0]);
      await waitFor(
        () => (server as PostgresHarness).logs().includes("imgate_claim_next", before),
        "the plan in the log",
      );
      const plans = (server as PostgresHarness).logs().slice(before);
      expect(plans).toMatch(
        /Index Only Scan using outbox_unresolved on outbox p|Index Scan using outbox_unresolved on outbox p/,
      );
    } finally {
      await client.query("RESET ALL");
      client.release(true);
    }
  });
});

describe("PostgreSQL backend: two gateways on one database", () => {
  it("see each other's writes: pauses, sessions, history, dedupe marks, cursors, send log", async () => {
    const { backend: a, second, clock } = await fixtures.open();
    const b = await second();
    await a.pauses.pause("imessage", undefined, "incident");
    expect(await b.pauses.stateOf("imessage", "bot")).toEqual({
      channel: "imessage",
      accountId: "*",
      pausedAt: clock.now(),
      reason: "incident",
      scope: "all",
    });
    const touched = await a.sessions.touchSession("s");
    expect(await b.sessions.getSession("s")).toEqual(touched);
    await b.history.append("s", { sender: "x", text: "hi", messageId: "m1", timestamp: 5 }, 10);
    expect(await a.history.load("s", 10)).toEqual([
      { sender: "x", text: "hi", messageId: "m1", timestamp: 5 },
    ]);
    expect(await a.dedupe.seen("bot", "G1")).toBe(false);
    expect(await b.dedupe.seen("bot", "G1")).toBe(true);
    await b.cursors.commit("bot", "chat.db", "77");
    expect(await a.cursors.get("bot", "chat.db")).toBe("77");
    await a.sendLog.record({
      channel: "imessage",
      accountId: "bot",
      contact: "+1",
      newContact: true,
      at: 100,
    });
    expect(await b.sendLog.lastSendAt("imessage", "bot")).toBe(100);
    expect(await b.pauses.resume("imessage", undefined)).toHaveLength(1);
    expect(await a.pauses.stateOf("imessage", "bot")).toBeUndefined();
  });
});

describe("PostgreSQL backend: conversation state", () => {
  it("history keeps the newest `limit`, stores a message id once, and a reset starts a new generation without it", async () => {
    const { backend } = await fixtures.open();
    const entry = (id: string) => ({
      sender: "x",
      senderLabel: "X",
      text: id,
      messageId: id,
      timestamp: 1,
      extra: { a: [id] },
    });
    for (const id of ["1", "2", "3", "4"]) expect(await backend.history.append("s", entry(id), 3)).toBe(true);
    expect(await backend.history.append("s", entry("4"), 3)).toBe(false);
    expect(await backend.history.append("s", entry("5"), 0)).toBe(false);
    expect(await backend.history.load("s", 10)).toEqual([entry("2"), entry("3"), entry("4")]);
    expect(await backend.history.load("s", 2)).toEqual([entry("3"), entry("4")]);
    await backend.sessions.touchSession("s");
    const reset = await backend.sessions.resetSession("s");
    expect(reset).toMatchObject({ sessionKey: "s", generation: 1 });
    expect(await backend.history.load("s", 10)).toEqual([]);
    expect(await backend.history.clear("s")).toBe(0);
  });

  it("a dedupe mark expires after its ttl and is then set again; purge removes expired marks", async () => {
    const { backend, clock } = await fixtures.open({ dedupeTtlMs: 1_000 });
    expect(await backend.dedupe.seen("bot", "G")).toBe(false);
    expect(await backend.dedupe.has("bot", "G")).toBe(true);
    clock.advance(1_000);
    expect(await backend.dedupe.has("bot", "G")).toBe(false);
    expect(await backend.dedupe.purgeExpired()).toBe(1);
    expect(await backend.dedupe.seen("bot", "G")).toBe(false);
    expect(await backend.dedupe.seen("bot", "G")).toBe(true);
    expect(backend.dedupe.counters()).toEqual({ duplicate: 2 });
  });

  it("pending turns: record once, give up (kept newest per account), list in arrival order", async () => {
    const { backend, clock } = await fixtures.open({ givenUpKept: 2 });
    expect(await backend.pendingTurns.record(turnDraft(clock, "G1"))).toBe(true);
    expect(await backend.pendingTurns.record(turnDraft(clock, "G1"))).toBe(false);
    clock.advance(10);
    await backend.pendingTurns.record(turnDraft(clock, "G2"));
    expect((await backend.pendingTurns.listPending("bot")).map((turn) => turn.guid)).toEqual(["G1", "G2"]);
    expect(await backend.pendingTurns.countPending()).toEqual([
      { accountId: "bot", agentId: "main", count: 2 },
    ]);
    expect(
      await backend.pendingTurns.giveUp(turnDraft(clock, "G1"), { reason: "window", error: "late" }),
    ).toBe(true);
    expect(await backend.pendingTurns.giveUp(turnDraft(clock, "G1"), { reason: "window" })).toBe(false);
    expect(
      await backend.pendingTurns.giveUp(turnDraft(clock, "G9"), { reason: "x" }, { onlyIfPending: true }),
    ).toBe(false);
    for (const guid of ["G3", "G4"]) {
      clock.advance(10);
      expect(await backend.pendingTurns.giveUp(turnDraft(clock, guid), { reason: "non-retryable" })).toBe(
        true,
      );
    }
    expect((await backend.pendingTurns.listGivenUp("bot")).map((turn) => turn.guid)).toEqual(["G4", "G3"]);
    expect(await backend.pendingTurns.get("bot", "G3")).toMatchObject({
      state: "given_up",
      lastError: "HTTP 503",
      request: { text: "hello", history: [] },
      envelope: { guid: "G3", chatKey: "7" },
    });
    expect(await backend.pendingTurns.complete("bot", "G2")).toBe(true);
    expect(await backend.pendingTurns.complete("bot", "G2")).toBe(false);
  });

  it("echo rows: unexpired rows oldest first, one text row consumed per match, pruned to the newest", async () => {
    const { backend } = await fixtures.open();
    await backend.echo.insert("acct", { kind: "guid", key: "G1", bound: "7\u001fhi", expiresAt: 100 });
    await backend.echo.insert("acct", { kind: "text", key: "7\u001fhi", expiresAt: 50 });
    await backend.echo.insert("acct", { kind: "text", key: "7\u001fhi", expiresAt: 60 });
    await backend.echo.insert("other", { kind: "text", key: "7\u001fhi", expiresAt: 60 });
    await backend.echo.consumeText("acct", "7\u001fhi", 10);
    expect(await backend.echo.load("acct", 10)).toEqual([
      { kind: "guid", key: "G1", bound: "7\u001fhi", expiresAt: 100 },
      { kind: "text", key: "7\u001fhi", expiresAt: 60 },
    ]);
    await backend.echo.prune("acct", 10, 1);
    expect(await backend.echo.load("acct", 10)).toEqual([{ kind: "text", key: "7\u001fhi", expiresAt: 60 }]);
    expect(await backend.echo.load("other", 10)).toHaveLength(1);
  });

  it("send log usage: sends and each new contact's first send in the window", async () => {
    const { backend } = await fixtures.open();
    const send = (contact: string, newContact: boolean, at: number) =>
      backend.sendLog.record({ channel: "imessage", accountId: "bot", contact, newContact, at });
    await send("+1", true, 10);
    await send("+1", true, 20);
    await send("+2", false, 30);
    await send("+3", true, 40);
    expect(await backend.sendLog.usage("imessage", "bot", 15)).toEqual({
      sends: 3,
      oldestSendAt: 20,
      newContacts: 2,
      newContactFirstAt: [20, 40],
    });
    expect(await backend.sendLog.usage("imessage", "bot", 100)).toEqual({
      sends: 0,
      newContacts: 0,
      newContactFirstAt: [],
    });
    expect(await backend.sendLog.countedSince("imessage", "bot", "+2", 0)).toBe(false);
    expect(await backend.sendLog.countedSince("imessage", "bot", "+3", 0)).toBe(true);
    expect(await backend.sendLog.purge(25)).toBe(2);
  });
});

describe("PostgreSQL backend: round trips", () => {
  it("every method is one statement on its success path (read-modify-write included)", async () => {
    const { backend, pool, clock } = await fixtures.open();
    const query = pool.query.bind(pool);
    let statements = 0;
    pool.query = ((...args: Parameters<typeof query>) => {
      statements += 1;
      return query(...args);
    }) as typeof pool.query;
    const calls: Array<[string, () => Promise<unknown>]> = [
      ["reconcile (nothing in flight)", () => backend.outbox.reconcile(() => "unknown")],
      ["enqueue", () => backend.outbox.enqueue(draft("k1"))],
      ["enqueue (existing key)", () => backend.outbox.enqueue(draft("k1"))],
      ["claimNext", () => backend.outbox.claimNext({ accountId: "bot" })],
      ["markSent", async () => backend.outbox.markSent(1, "GUID")],
      ["touchSession", () => backend.sessions.touchSession("s")],
      [
        "history.append (with trim)",
        () => backend.history.append("s", { sender: "x", text: "t", messageId: "m", timestamp: 1 }, 1),
      ],
      ["resetSession (and clear history)", () => backend.sessions.resetSession("s")],
      ["dedupe.seen", () => backend.dedupe.seen("bot", "G")],
      ["pendingTurns.record", () => backend.pendingTurns.record(turnDraft(clock, "G1"))],
      [
        "pendingTurns.giveUp (and keep the newest)",
        () => backend.pendingTurns.giveUp(turnDraft(clock, "G1"), { reason: "x" }),
      ],
      ["pauses.pause", () => backend.pauses.pause("imessage", "bot")],
      ["pauses.pause (already paused)", () => backend.pauses.pause("imessage", "bot")],
      ["sendLog.usage", () => backend.sendLog.usage("imessage", "bot", 0)],
      ["echo.prune", () => backend.echo.prune("bot", 0, 10)],
      ["cursors.commit", () => backend.cursors.commit("bot", "chat.db", "1")],
    ];
    const counted: Array<[string, number]> = [];
    try {
      for (const [name, call] of calls) {
        statements = 0;
        await call();
        counted.push([name, statements]);
      }
    } finally {
      pool.query = query as typeof pool.query;
    }
    expect(counted).toEqual(calls.map(([name]) => [name, 1]));
  });
});

describe("PostgreSQL backend: identity and errors", () => {
  it("describes the target without the password, and refuses pairing it was not given", async () => {
    const { backend, pool } = await fixtures.open();
    expect(backend.kind).toBe("postgres");
    expect(backend.describe).toMatch(/^PostgreSQL imgate@/);
    expect(() => backend.pairing).toThrow(/createPostgresPairing/);
    const withPassword = createPostgresBackend({
      pool,
      url: "postgresql://imgate:s3cret-pw@db.example:5432/imgate",
      clock: { now: () => 0 },
      logger: silentLogger,
    });
    expect(withPassword.describe).not.toContain("s3cret-pw");
  });

  it("a server that went away fails with PG_UNREACHABLE naming the target, never the URL", async () => {
    const own = await startPostgres();
    try {
      const url = own.url.replace("postgresql://imgate@", "postgresql://imgate:hunter2@");
      const pool = await openPostgresPool({ url });
      const backend = createPostgresBackend({
        pool,
        url,
        clock: { now: () => 0 },
        logger: silentLogger,
        ownsPool: true,
      });
      await own.stop();
      const error = (await backend.cursors.get("bot", "x").catch((e: unknown) => e)) as Error & {
        code?: string;
      };
      expect(error.code).toBe("PG_UNREACHABLE");
      expect(error.message).not.toContain("hunter2");
      await backend.close();
      await expect(backend.outbox.counts()).rejects.toMatchObject({ code: "STATE_DB_CLOSED" });
    } finally {
      await own.stop();
    }
  });
});
