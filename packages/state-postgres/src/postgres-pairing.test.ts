import { type AsyncPairing, PairingError, StateErrorCode, silentLogger } from "@imgate/channel-core";
import { createManualClock, describePairingContract } from "@imgate/channel-core/testing";
import { Pool } from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { migratePostgres } from "./migrate-postgres.ts";
import { openPostgresPool } from "./open-postgres-pool.ts";
import { PostgresErrorCode } from "./postgres-errors.ts";
import { createPostgresPairing, PAIRING_LOCK_KEY, type PostgresPairingOptions } from "./postgres-pairing.ts";
import { type PostgresHarness, startPostgres } from "./testing/postgres-harness.ts";

let server: PostgresHarness | undefined;
const pools: Pool[] = [];
beforeAll(async () => {
  server = await startPostgres();
});
// Every test's pools (gateways) end with it: a server has a limited number of connections.
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.end()));
});
afterAll(async () => {
  await server?.stop();
});

type Limits = Omit<PostgresPairingOptions, "pool" | "url" | "clock" | "logger">;

/** A fresh migrated database; `gateway()` opens another pool on it (another gateway) with a pairing service. */
async function database() {
  const url = await (server as PostgresHarness).createDatabase();
  const clock = createManualClock();
  const open = async () => {
    const pool = await openPostgresPool({ url, max: 4 });
    pools.push(pool);
    return pool;
  };
  const first = await open();
  await migratePostgres(first);
  const pairingOn = (pool: Pool, limits: Limits = {}): AsyncPairing =>
    createPostgresPairing({ pool, url, clock, logger: silentLogger, ...limits });
  return {
    url,
    clock,
    pool: first,
    pairingOn,
    async gateway(limits: Limits = {}) {
      return pairingOn(await open(), limits);
    },
    async count(table: "pairing_requests" | "pairing_events" | "pairing_decisions" | "pairing_approved") {
      const { rows } = await first.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      return Number(rows[0]?.n);
    },
  };
}

async function refusal(call: Promise<unknown>): Promise<PairingError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PairingError);
  return error as PairingError;
}

async function codeOf(outcome: ReturnType<AsyncPairing["request"]>): Promise<string> {
  const settled = await outcome;
  if (settled.action !== "reply") throw new Error(`expected a reply, got ${settled.reason}`);
  return settled.code;
}

// The same scenarios as SQLite (channel-core's pairing-contract.sqlite.test.ts), on a fresh database each.
describePairingContract("PostgreSQL", async () => {
  const db = await database();
  return {
    clock: db.clock,
    open: (limits) => db.pairingOn(db.pool, limits),
    dispose: () => {},
  };
});

describe("PostgreSQL pairing across gateways", () => {
  it("a code issued by gateway A is approved via gateway B; A then lets the sender in and knows the code was used", async () => {
    const db = await database();
    const { clock } = db;
    const a = await db.gateway();
    const b = await db.gateway();
    const code = await codeOf(
      a.request({ channel: "imessage", sender: "+15550001111", meta: { chatId: "7" } }),
    );
    expect((await b.list("imessage")).map((r) => r.code)).toEqual([code]);
    expect(await a.isApprovedSender("imessage", "+15550001111")).toBe(false);
    expect(await b.approve("imessage", code.toLowerCase())).toEqual({
      channel: "imessage",
      sender: "+15550001111",
      meta: { chatId: "7" },
    });
    expect(await a.isApprovedSender("imessage", "+15550001111")).toBe(true);
    expect(await a.list()).toEqual([]);
    clock.advance(60_000);
    expect(await a.approve("imessage", code)).toMatchObject({ alreadyApproved: true });
    // The counters are each process's own.
    expect([b.counters().approved, a.counters().already_approved, a.counters().approved]).toEqual([1, 1, 0]);
  });

  it("the same stranger writing to two gateways at once gets one request and one code", async () => {
    const db = await database();
    const limits = { maxPendingPerChannel: 100, maxRepliesPerHour: 1000 };
    const a = await db.gateway(limits);
    const b = await db.gateway(limits);
    const senders = Array.from({ length: 12 }, (_, i) => `+1555000${String(i).padStart(4, "0")}`);
    const outcomes = await Promise.all(
      senders.flatMap((sender) =>
        [a, b, a].map((gateway) => gateway.request({ channel: "imessage", sender })),
      ),
    );
    for (const [i] of senders.entries()) {
      const three = outcomes.slice(i * 3, i * 3 + 3);
      expect(three.filter((o) => o.action === "reply")).toHaveLength(1);
      expect(three.filter((o) => o.action === "none" && o.reason === "already_pending")).toHaveLength(2);
      expect(new Set(three.map((o) => o.code)).size).toBe(1);
    }
    expect(await db.count("pairing_requests")).toBe(senders.length);
    expect(await db.count("pairing_events")).toBe(senders.length);
  });

  it("the pending cap holds across gateways: of six strangers at once, three are recorded", async () => {
    const db = await database();
    const a = await db.gateway();
    const b = await db.gateway();
    const outcomes = await Promise.all(
      ["s1", "s2", "s3", "s4", "s5", "s6"].map((sender, i) =>
        (i % 2 ? a : b).request({ channel: "imessage", sender }),
      ),
    );
    expect(outcomes.filter((o) => o.action === "reply")).toHaveLength(3);
    expect(outcomes.filter((o) => o.action === "none" && o.reason === "pending_cap")).toHaveLength(3);
    expect(await db.count("pairing_requests")).toBe(3);
  });

  it("wrong codes count across gateways: 3 on A and 2 on B lock both out, even for the right code", async () => {
    const db = await database();
    const a = await db.gateway();
    const b = await db.gateway();
    const code = await codeOf(a.request({ channel: "imessage", sender: "a" }));
    for (const gateway of [a, a, a, b, b]) {
      expect((await refusal(gateway.approve("imessage", "ZZZZZZZZ"))).code).toBe(
        StateErrorCode.pairingNotFound,
      );
    }
    expect((await refusal(a.approve("imessage", code))).code).toBe(StateErrorCode.pairingRateLimited);
    expect((await refusal(b.approve("imessage", code))).code).toBe(StateErrorCode.pairingRateLimited);
    db.clock.advance(60_000);
    expect((await b.approve("imessage", code)).sender).toBe("a");
  });

  it("ten wrong guesses at once on two gateways: exactly five are counted, the other five are refused unheard", async () => {
    const db = await database();
    const a = await db.gateway();
    const b = await db.gateway();
    await codeOf(a.request({ channel: "imessage", sender: "a" }));
    const errors = await Promise.all(
      Array.from({ length: 10 }, (_, i) => refusal((i % 2 ? a : b).approve("imessage", "ZZZZZZZZ"))),
    );
    const codes = errors.map((error) => error.code);
    expect(codes.filter((c) => c === StateErrorCode.pairingNotFound)).toHaveLength(5);
    expect(codes.filter((c) => c === StateErrorCode.pairingRateLimited)).toHaveLength(5);
    const { rows } = await db.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM pairing_events WHERE kind = 'approve_failed'",
    );
    expect(Number(rows[0]?.n)).toBe(5);
  });

  it("a rejection on A holds on B: no new code for the cooldown, and approving the code says it was rejected", async () => {
    const db = await database();
    const a = await db.gateway();
    const b = await db.gateway();
    const code = await codeOf(b.request({ channel: "imessage", sender: "+15550002222" }));
    expect(await a.reject("imessage", code)).toMatchObject({ sender: "+15550002222", code });
    db.clock.advance(23 * 3_600_000);
    expect(await b.request({ channel: "imessage", sender: "+15550002222" })).toEqual({
      action: "none",
      reason: "rejected",
    });
    expect((await refusal(b.approve("imessage", code))).message).toContain("was rejected");
    db.clock.advance(3_600_000);
    expect((await b.request({ channel: "imessage", sender: "+15550002222" })).action).toBe("reply");
  });
});

describe("PostgreSQL pairing transactions", () => {
  it("a step that fails rolls back: no code left to draw writes nothing", async () => {
    const db = await database();
    const rigged = db.pairingOn(db.pool, { randomBytes: (size) => new Uint8Array(size) });
    await codeOf(rigged.request({ channel: "imessage", sender: "a" }));
    db.clock.advance(1_000);
    const before = await db.pool.query("SELECT * FROM pairing_requests");
    const error = await refusal(rigged.request({ channel: "imessage", sender: "b" }));
    expect(error.code).toBe(StateErrorCode.pairingCodeExhausted);
    expect((await db.pool.query("SELECT * FROM pairing_requests")).rows).toEqual(before.rows);
    expect(await db.count("pairing_events")).toBe(1);
  });

  it("purges expired rows of every channel, including those no transaction loaded", async () => {
    const db = await database();
    const pairing = db.pairingOn(db.pool);
    await codeOf(pairing.request({ channel: "sms", sender: "a" }));
    await refusal(pairing.approve("sms", "ZZZZZZZZ"));
    db.clock.advance(2 * 3_600_000);
    // A transaction on another channel purges the expired request and the old event of "sms" too.
    await codeOf(pairing.request({ channel: "imessage", sender: "b" }));
    const { rows } = await db.pool.query<{ channel: string; kind: string }>(
      "SELECT r.channel, e.kind FROM pairing_requests r FULL JOIN pairing_events e ON e.channel = r.channel",
    );
    expect(rows).toEqual([{ channel: "imessage", kind: "reply" }]);
  });

  it("waits for another gateway's pairing transaction, and past lockTimeoutMs fails saying so, writing nothing", async () => {
    const db = await database();
    const pairing = db.pairingOn(db.pool, { lockTimeoutMs: 200 });
    const other = await db.pool.connect();
    try {
      // Another gateway mid-transaction, holding the pairing lock.
      await other.query(`BEGIN; SELECT pg_advisory_xact_lock(${PAIRING_LOCK_KEY})`);
      const refused = await pairing.request({ channel: "imessage", sender: "a" }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(refused?.message).toMatch(
        /^A pairing call waited 200 ms for another gateway's pairing transaction/,
      );
      expect(await db.count("pairing_requests")).toBe(0);
      // Queued behind the holder, a call proceeds as soon as it commits.
      const waiting = db
        .pairingOn(db.pool, { lockTimeoutMs: 60_000 })
        .request({ channel: "imessage", sender: "a" });
      await other.query("COMMIT");
      expect((await waiting).action).toBe("reply");
    } finally {
      other.release();
    }
  });

  it("rows it did not write (a bad time) fail the call with one clear error, and nothing changes", async () => {
    const db = await database();
    await db.pool.query(
      "INSERT INTO pairing_requests VALUES ('imessage', 'a', 'AAAAAAAA', 1, 1, 9007199254740993, NULL)",
    );
    const pairing = db.pairingOn(db.pool);
    const error = await pairing.request({ channel: "imessage", sender: "b" }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      /^The pairing rows in PostgreSQL are not as imgate writes them \(requests\.0\.expiresAt: /,
    );
    expect(await db.count("pairing_requests")).toBe(1);
  });

  it("a flood of strangers takes one pooled connection per gateway at a time, not the whole pool", async () => {
    const db = await database();
    const pairing = db.pairingOn(db.pool, { maxPendingPerChannel: 100, maxRepliesPerHour: 1000 });
    let out = 0;
    let most = 0;
    const acquired = () => {
      out += 1;
      most = Math.max(most, out);
    };
    const released = () => {
      out -= 1;
    };
    db.pool.on("acquire", acquired);
    db.pool.on("release", released);
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => pairing.request({ channel: "imessage", sender: `+1555${i}` })),
      );
      expect(outcomes.every((outcome) => outcome.action === "reply")).toBe(true);
    } finally {
      db.pool.off("acquire", acquired);
      db.pool.off("release", released);
    }
    expect(most).toBe(1);
    expect(await db.count("pairing_requests")).toBe(20);
  });

  it("isApprovedSender is one statement on the pool (no transaction)", async () => {
    const db = await database();
    const pairing = db.pairingOn(db.pool);
    await pairing.addApproved("imessage", "x");
    const seen: string[] = [];
    let checkouts = 0;
    const countCheckout = () => {
      checkouts += 1;
    };
    const query = db.pool.query;
    const run = query.bind(db.pool) as (text: string, values?: unknown[]) => Promise<unknown>;
    db.pool.query = ((text: string, values?: unknown[]) => {
      seen.push(text);
      return run(text, values);
    }) as typeof db.pool.query;
    db.pool.on("acquire", countCheckout);
    try {
      expect(await pairing.isApprovedSender("imessage", "x")).toBe(true);
      expect(await pairing.isApprovedSender("imessage", "y")).toBe(false);
    } finally {
      db.pool.query = query;
      db.pool.off("acquire", countCheckout);
    }
    // One statement each, and no connection checked out for anything else (a transaction).
    expect(seen).toHaveLength(2);
    expect(seen.every((text) => text.startsWith("SELECT EXISTS"))).toBe(true);
    expect(checkouts).toBe(2);
  });

  // The original gateway once read a failing pairing store as "nobody is approved" and challenged paired
  // senders with a new code (openclaw/openclaw#139182): an unreachable database must be an error, never a "no".
  it("an unreachable database fails isApprovedSender and request with PG_UNREACHABLE, not 'not approved'", async () => {
    const url = "postgresql://imgate:s3cret@/imgate?host=/nonexistent-imgate-socket-dir";
    const pool = new Pool({ connectionString: url, connectionTimeoutMillis: 2_000 });
    pools.push(pool);
    const pairing = createPostgresPairing({ pool, url, clock: createManualClock(), logger: silentLogger });
    for (const call of [
      pairing.isApprovedSender("imessage", "+15550001111"),
      pairing.request({ channel: "imessage", sender: "+15550001111" }),
    ]) {
      const error = (await call.then(
        () => undefined,
        (e: unknown) => e,
      )) as Error & { code?: string };
      expect(error?.code).toBe(PostgresErrorCode.unreachable);
      expect(error.message).not.toContain("s3cret");
    }
  });
});
