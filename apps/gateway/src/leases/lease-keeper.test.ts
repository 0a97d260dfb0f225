import { silentLogger } from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import { waitFor } from "@imgate/imsg-sim/testing";
import {
  type AccountLease,
  createAccountLeases,
  migratePostgres,
  openPostgresPool,
} from "@imgate/state-postgres";
import { type PostgresHarness, startPostgres } from "@imgate/state-postgres/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualTimers, type ManualTimers } from "../testing/manual-timers.ts";
import { createLeaseKeeper, type LeaseKeeper, type LeaseLossReason } from "./lease-keeper.ts";

/** A pg pool, named through state-postgres (the gateway does not depend on pg itself). */
type Pool = Awaited<ReturnType<typeof openPostgresPool>>;

const TTL = 15_000;
const INTERVAL = TTL / 3;

let server: PostgresHarness | undefined;
/** The test's own connection, standing in for the database's clock and for other sessions. */
let admin: Pool;
const pools: Pool[] = [];
let accounts = 0;

beforeAll(async () => {
  server = await startPostgres();
  admin = await openPostgresPool({ url: server.url, max: 3 });
  await migratePostgres(admin);
});
afterAll(async () => {
  await Promise.all([admin?.end(), ...pools.map((pool) => pool.end().catch(() => {}))]);
  await server?.stop();
});

/** A fresh account id per test, so tests share the database without seeing each other's leases. */
function account(): string {
  accounts += 1;
  return `bot-${accounts}@icloud.com`;
}

type Event = { acquired: string; fencingToken: number } | { lost: string; reason: LeaseLossReason };

/** One gateway process: its own pool, holder id, clock and timers (only the test moves them). */
interface TestGateway {
  holderId: string;
  pool: Pool;
  timers: ManualTimers;
  keeper: LeaseKeeper;
  events: Event[];
}

async function gateway(holderId: string, accountIds: readonly string[]): Promise<TestGateway> {
  const pool = await openPostgresPool({ url: (server as PostgresHarness).url, max: 3 });
  pools.push(pool);
  const clock = createManualClock();
  const timers = createManualTimers(clock);
  const events: Event[] = [];
  const leases = createAccountLeases({
    pool,
    holderId,
    ttlMs: TTL,
    host: `host-${holderId}`,
    pid: 4242,
    clock,
  });
  const keeper = createLeaseKeeper({
    leases,
    accountIds,
    database: "imgate@test/imgate",
    logger: silentLogger,
    clock,
    timers,
    onAcquired: (id, lease: AccountLease) => events.push({ acquired: id, fencingToken: lease.fencingToken }),
    onLost: (id, reason) => events.push({ lost: id, reason }),
  });
  return { holderId, pool, timers, keeper, events };
}

/** Moves a gateway's time on by one renew interval and waits until what that started has settled. */
async function nextTick(gw: TestGateway, ms = INTERVAL): Promise<void> {
  gw.timers.advance(ms);
  await gw.keeper.settled();
}

/** Moves the lease's expiry to the past, as the database's clock would after ttl without a renewal. */
async function expire(accountId: string): Promise<void> {
  await admin.query(
    "UPDATE account_leases SET expires_at = now() - interval '1 millisecond' WHERE account_id = $1",
    [accountId],
  );
}

async function row(accountId: string) {
  const { rows } = await admin.query<{ holder_id: string; fencing_token: string; live: boolean }>(
    "SELECT holder_id, fencing_token::text, expires_at > now() AS live FROM account_leases WHERE account_id = $1",
    [accountId],
  );
  return rows[0];
}

describe("lease keeper, two gateways on one PostgreSQL", () => {
  it("one serves every account, the other stands by and keeps trying; the holder renews every ttl/3", async () => {
    const ids = [account(), account()];
    const a = await gateway("gw-a", ids);
    const b = await gateway("gw-b", ids);
    await a.keeper.start();
    await b.keeper.start();

    expect(a.events).toEqual(ids.map((id) => ({ acquired: id, fencingToken: 1 })));
    expect(b.events).toEqual([]);
    for (const id of ids) {
      expect(a.keeper.serving(id)).toBe(true);
      expect(b.keeper.serving(id)).toBe(false);
    }
    expect(b.keeper.entries()).toEqual(
      ids.map((id) => ({
        accountId: id,
        role: "standby",
        holder: expect.objectContaining({ holderId: "gw-a", host: "host-gw-a", pid: 4242 }),
      })),
    );

    const before = await admin.query<{ renewed: Date }>(
      "SELECT renewed_at AS renewed FROM account_leases WHERE account_id = $1",
      [ids[0]],
    );
    // Three intervals = one ttl by A's clock: without renewals its own deadline would have passed.
    for (let i = 0; i < 3; i += 1) {
      await nextTick(a);
      await nextTick(b);
    }
    const after = await admin.query<{ renewed: Date }>(
      "SELECT renewed_at AS renewed FROM account_leases WHERE account_id = $1",
      [ids[0]],
    );
    expect(after.rows[0]?.renewed.getTime()).toBeGreaterThan(before.rows[0]?.renewed.getTime() ?? 0);
    expect(a.keeper.serving(ids[0] as string)).toBe(true);
    expect(a.events).toHaveLength(2);
    expect(b.events).toEqual([]);
    expect(await row(ids[0] as string)).toMatchObject({ holder_id: "gw-a", fencing_token: "1", live: true });
    await Promise.all([a.keeper.stop(), b.keeper.stop()]);
  });

  it("holder killed (kill -9: no release, no more renewals): the standby takes over once the lease expired", async () => {
    const id = account();
    const a = await gateway("gw-a", [id]);
    const b = await gateway("gw-b", [id]);
    await a.keeper.start();
    await b.keeper.start();
    // A dies: its timers never fire again and it releases nothing. Before expiry, B's tries fail.
    await nextTick(b);
    expect(b.keeper.serving(id)).toBe(false);
    expect(b.events).toEqual([]);

    await expire(id);
    await nextTick(b);
    expect(b.events).toEqual([{ acquired: id, fencingToken: 2 }]);
    expect(b.keeper.serving(id)).toBe(true);
    expect(await row(id)).toMatchObject({ holder_id: "gw-b", fencing_token: "2", live: true });
    await b.keeper.stop();
  });

  it("a clean stop releases every lease: the standby takes over on its next try, without waiting for expiry", async () => {
    const id = account();
    const a = await gateway("gw-a", [id]);
    const b = await gateway("gw-b", [id]);
    await a.keeper.start();
    await b.keeper.start();
    await a.keeper.stop();
    expect(await row(id)).toMatchObject({ holder_id: "gw-a", live: false });
    expect(a.events).toEqual([{ acquired: id, fencingToken: 1 }]); // stop calls no onLost
    expect(a.keeper.entries()).toEqual([{ accountId: id, role: "stopped" }]);
    expect(a.timers.pending()).toBe(0);

    await nextTick(b);
    expect(b.events).toEqual([{ acquired: id, fencingToken: 2 }]);
    await b.keeper.stop();
  });

  it("a renewal that finds the lease taken calls onLost at once; the deposed gateway stands by and takes it back later", async () => {
    const id = account();
    const a = await gateway("gw-a", [id]);
    const b = await gateway("gw-b", [id]);
    await a.keeper.start();
    await b.keeper.start();
    // A stalled past its lease (a long GC pause, a suspended VM) and B took over meanwhile.
    await expire(id);
    await nextTick(b);
    expect(b.keeper.serving(id)).toBe(true);

    await nextTick(a);
    expect(a.events).toEqual([
      { acquired: id, fencingToken: 1 },
      {
        lost: id,
        reason: { kind: "taken", message: expect.stringContaining("it is now held by gw-b on host-gw-b") },
      },
    ]);
    expect(a.keeper.serving(id)).toBe(false);
    expect(a.keeper.entries()).toEqual([{ accountId: id, role: "standby" }]);

    await nextTick(a); // B still renews: A keeps standing by
    expect(a.keeper.entries()[0]).toMatchObject({ role: "standby", holder: { holderId: "gw-b" } });
    await b.keeper.stop();
    await nextTick(a);
    expect(a.events.at(-1)).toEqual({ acquired: id, fencingToken: 3 });
    await a.keeper.stop();
  });

  it("a renewal hanging on the database: the holder stops serving at its own deadline, not when the query returns", async () => {
    const id = account();
    const a = await gateway("gw-a", [id]);
    await a.keeper.start();
    // Another session locks the lease row: A's renewal UPDATE waits on it, as on an unresponsive database.
    const blocker = await admin.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM account_leases WHERE account_id = $1 FOR UPDATE", [id]);
      a.timers.advance(INTERVAL); // the renewal starts and hangs
      a.timers.advance(TTL - INTERVAL - 1);
      expect(a.keeper.serving(id)).toBe(true);
      expect(a.events).toHaveLength(1);
      a.timers.advance(1); // ttl after the acquire was sent
      expect(a.keeper.serving(id)).toBe(false);
      expect(a.events[1]).toEqual({
        lost: id,
        reason: { kind: "unreachable", message: expect.stringContaining("within 15000 ms") },
      });
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }
    // The late renewal's success is ignored; the next try takes the lease (still A's in the database) again.
    await a.keeper.settled();
    expect(a.keeper.serving(id)).toBe(false);
    await nextTick(a);
    expect(a.events.at(-1)).toEqual({ acquired: id, fencingToken: 1 });
    expect(a.keeper.serving(id)).toBe(true);
    await a.keeper.stop();
  });

  it("a database that refuses every call: renewals fail, the holder stops serving once ttl passed, stop still returns", async () => {
    const id = account();
    const a = await gateway("gw-a", [id]);
    await a.keeper.start();
    await a.pool.end(); // every later query fails at once
    await nextTick(a);
    await nextTick(a);
    expect(a.keeper.serving(id)).toBe(true); // 10 s after the last renewal: still within ttl
    expect(a.events).toHaveLength(1);
    await nextTick(a);
    expect(a.keeper.serving(id)).toBe(false);
    expect(a.events[1]).toMatchObject({ lost: id, reason: { kind: "unreachable" } });
    await nextTick(a); // standing by: acquiring fails too, quietly
    expect(a.keeper.entries()).toEqual([{ accountId: id, role: "standby" }]);
    await a.keeper.stop();
    expect(a.keeper.entries()).toEqual([{ accountId: id, role: "stopped" }]);
  });
});

describe("lease keeper, stopping on a hanging database", () => {
  it("stop gives up after ttl/3 instead of hanging the shutdown; the lease is released once the database answers", async () => {
    const id = account();
    const a = await gateway("gw-a", [id]);
    await a.keeper.start();
    const blocker = await admin.connect();
    let stopped = false;
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM account_leases WHERE account_id = $1 FOR UPDATE", [id]);
      a.timers.advance(INTERVAL); // a renewal starts and hangs on the lock
      const stopping = a.keeper.stop().then(() => {
        stopped = true;
      });
      expect(a.keeper.entries()).toEqual([{ accountId: id, role: "stopped" }]);
      expect(a.keeper.serving(id)).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(stopped).toBe(false);
      a.timers.advance(INTERVAL);
      await stopping;
      expect(stopped).toBe(true);
      expect(await row(id)).toMatchObject({ holder_id: "gw-a", live: true });
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }
    // The renewal and then the release go through once the lock is gone.
    await waitFor(async () => (await row(id))?.live === false, "the late release");
  });
});

describe("lease keeper, config reload", () => {
  it("setAccounts takes a new account's lease at once and releases a removed one, which the standby then takes", async () => {
    const kept = account();
    const dropped = account();
    const added = account();
    const a = await gateway("gw-a", [kept, dropped]);
    const b = await gateway("gw-b", [dropped]);
    await a.keeper.start();
    await b.keeper.start();

    await a.keeper.setAccounts([kept, added]);
    expect(a.events).toEqual([
      { acquired: kept, fencingToken: 1 },
      { acquired: dropped, fencingToken: 1 },
      { acquired: added, fencingToken: 1 },
    ]);
    expect(a.keeper.entries().map((entry) => [entry.accountId, entry.role])).toEqual([
      [kept, "serving"],
      [added, "serving"],
    ]);
    expect(a.keeper.serving(dropped)).toBe(false);
    await waitFor(async () => (await row(dropped))?.live === false, "the dropped account's release");

    await nextTick(b);
    expect(b.events).toEqual([{ acquired: dropped, fencingToken: 2 }]);
    await Promise.all([a.keeper.stop(), b.keeper.stop()]);
  });
});
