import { createManualClock } from "@imgate/channel-core/testing";
import { waitFor } from "@imgate/imsg-sim/testing";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AccountLeases, createAccountLeases } from "./account-leases.ts";
import { migratePostgres } from "./migrate-postgres.ts";
import { openPostgresPool } from "./open-postgres-pool.ts";
import { PostgresErrorCode, type PostgresStateError } from "./postgres-errors.ts";
import { type PostgresHarness, startPostgres } from "./testing/postgres-harness.ts";

let server: PostgresHarness | undefined;
/** Two pools on one database: two gateways. */
let gatewayA: Pool;
let gatewayB: Pool;
let accounts = 0;
const MINUTE = 60_000;

beforeAll(async () => {
  server = await startPostgres();
  gatewayA = await openPostgresPool({ url: server.url, max: 5 });
  gatewayB = await openPostgresPool({ url: server.url, max: 5 });
  await migratePostgres(gatewayA);
});
afterAll(async () => {
  await Promise.all([gatewayA?.end(), gatewayB?.end()]);
  await server?.stop();
});

/** A fresh account id per test, so tests share the database without seeing each other's leases. */
function account(): string {
  accounts += 1;
  return `acct-${accounts}`;
}

function leases(
  pool: Pool,
  holderId: string,
  ttlMs = MINUTE,
  extra: { clock?: ReturnType<typeof createManualClock> } = {},
): AccountLeases {
  return createAccountLeases({
    pool,
    holderId,
    ttlMs,
    host: `host-${holderId}`,
    pid: 1000 + holderId.length,
    ...extra,
  });
}

/** Moves an account's lease expiry to the past, as if its ttl elapsed (the database's clock decides expiry). */
async function expireByTime(accountId: string): Promise<void> {
  await gatewayA.query(
    "UPDATE account_leases SET expires_at = now() - interval '1 millisecond' WHERE account_id = $1",
    [accountId],
  );
}

async function leaseLost(promise: Promise<unknown>): Promise<PostgresStateError> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as PostgresStateError | undefined;
  if (!error) throw new Error("expected PG_LEASE_LOST");
  expect(error.code).toBe(PostgresErrorCode.leaseLost);
  return error;
}

describe("account leases", () => {
  // Two watchers on one Messages account answer every message twice (openclaw/openclaw#65141, one process
  // with two watchers); with several gateways, the lease is what keeps it to one.
  it("racing gateways: for each account exactly one of them gets the lease, and it is the recorded holder", async () => {
    const contenders = [
      leases(gatewayA, "gw-1"),
      leases(gatewayB, "gw-2"),
      leases(gatewayA, "gw-3"),
      leases(gatewayB, "gw-4"),
    ];
    const ids = Array.from({ length: 25 }, () => account());
    const results = await Promise.all(
      ids.flatMap((id) =>
        contenders.map(async (c) => ({ id, holder: c.holderId, result: await c.acquire(id) })),
      ),
    );
    for (const id of ids) {
      const winners = results.filter((r) => r.id === id && r.result.acquired);
      expect(winners).toHaveLength(1);
      const winner = winners[0]?.holder;
      const losers = results.filter((r) => r.id === id && !r.result.acquired);
      expect(losers).toHaveLength(3);
      for (const loser of losers) {
        expect(loser.result).toMatchObject({
          acquired: false,
          holder: { holderId: winner, fencingToken: 1 },
        });
      }
      expect((await contenders[0]?.holderOf(id))?.holderId).toBe(winner);
    }
  });

  it("acquire records holder, host, pid and a database expiry ttl ahead; acquiring again extends with the same token", async () => {
    const id = account();
    const a = leases(gatewayA, "gw-a");
    const first = await a.acquire(id);
    expect(first).toMatchObject({
      acquired: true,
      lease: { accountId: id, holderId: "gw-a", host: "host-gw-a", pid: 1004, fencingToken: 1 },
    });
    const lease = first.acquired ? first.lease : undefined;
    expect((lease?.expiresAt ?? 0) - (lease?.renewedAt ?? 0)).toBe(MINUTE);
    const again = await a.acquire(id);
    expect(again).toMatchObject({
      acquired: true,
      lease: { fencingToken: 1, acquiredAt: lease?.acquiredAt },
    });
  });

  it("renew keeps it: a later expiry, the same token, and others still cannot take it", async () => {
    const id = account();
    const a = leases(gatewayA, "gw-a");
    const b = leases(gatewayB, "gw-b");
    await a.acquire(id);
    // Bring the expiry close, then renew: it moves a full ttl past the database's now.
    await gatewayA.query(
      "UPDATE account_leases SET expires_at = now() + interval '1 second' WHERE account_id = $1",
      [id],
    );
    const renewed = await a.renew(id);
    expect(renewed.fencingToken).toBe(1);
    expect(renewed.expiresAt - renewed.renewedAt).toBe(MINUTE);
    const { rows } = await gatewayA.query<{ left: number }>(
      "SELECT extract(epoch FROM expires_at - now()) * 1000 AS left FROM account_leases WHERE account_id = $1",
      [id],
    );
    expect(Number(rows[0]?.left)).toBeGreaterThan(MINUTE - 10_000);
    expect(await b.acquire(id)).toMatchObject({ acquired: false, holder: { holderId: "gw-a" } });
  });

  it("release frees it: nobody holds it, the next holder gets a higher token, a second release is false", async () => {
    const id = account();
    const a = leases(gatewayA, "gw-a");
    const b = leases(gatewayB, "gw-b");
    await a.acquire(id);
    expect(await a.release(id)).toBe(true);
    expect(await a.holderOf(id)).toBeUndefined();
    expect(a.holds(id)).toBe(false);
    expect((await a.list()).find((l) => l.accountId === id)).toMatchObject({ holderId: "gw-a", live: false });
    expect(await b.acquire(id)).toMatchObject({
      acquired: true,
      lease: { holderId: "gw-b", fencingToken: 2 },
    });
    expect(await a.release(id)).toBe(false);
    expect((await b.holderOf(id))?.holderId).toBe("gw-b");
  });

  it("a dead holder (no renewals) is taken over after its ttl with a higher token; its late renew fails clearly", async () => {
    const id = account();
    const a = leases(gatewayA, "gw-dead");
    const b = leases(gatewayB, "gw-standby");
    const first = await a.acquire(id);
    expect(await b.acquire(id)).toMatchObject({ acquired: false, holder: { holderId: "gw-dead" } });
    await expireByTime(id);
    const taken = await b.acquire(id);
    expect(taken).toMatchObject({ acquired: true, lease: { holderId: "gw-standby" } });
    const before = first.acquired ? first.lease.fencingToken : Number.NaN;
    expect(taken.acquired && taken.lease.fencingToken).toBeGreaterThan(before);
    const error = await leaseLost(a.renew(id));
    expect(error.message).toBe(
      `The lease of account ${id} is no longer held by gw-dead: it is now held by gw-standby on host-gw-standby ` +
        "(pid 1010, fencing token 2). Stop serving this account; acquire it again to take it back.",
    );
    expect(a.holds(id)).toBe(false);
    // The standby is unaffected.
    expect((await b.renew(id)).holderId).toBe("gw-standby");
  });

  it("racing standbys on an expired lease: exactly one takes it over, with the next token", async () => {
    const ids = Array.from({ length: 15 }, () => account());
    const dead = leases(gatewayA, "gw-dead");
    for (const id of ids) await dead.acquire(id);
    for (const id of ids) await expireByTime(id);
    const standbys = [leases(gatewayA, "sb-1"), leases(gatewayB, "sb-2"), leases(gatewayB, "sb-3")];
    const results = await Promise.all(
      ids.flatMap((id) =>
        standbys.map(async (s) => ({ id, holder: s.holderId, result: await s.acquire(id) })),
      ),
    );
    for (const id of ids) {
      const winners = results.filter((r) => r.id === id && r.result.acquired);
      expect(winners).toHaveLength(1);
      expect(winners[0]?.result).toMatchObject({ acquired: true, lease: { fencingToken: 2 } });
      expect((await dead.holderOf(id))?.holderId).toBe(winners[0]?.holder);
    }
  });

  it("expiry is the database's clock: a short ttl lapses on its own and the standby's polling takes over", async () => {
    const id = account();
    const a = leases(gatewayA, "gw-short", 200);
    const b = leases(gatewayB, "gw-poller", 200);
    expect((await a.acquire(id)).acquired).toBe(true);
    const taken = await waitFor(async () => {
      const result = await b.acquire(id);
      return result.acquired ? result.lease : undefined;
    }, "the standby to take the expired lease");
    expect(taken).toMatchObject({ holderId: "gw-poller", fencingToken: 2 });
    await leaseLost(a.renew(id));
  });

  it("a renew after the lease expired (nobody took it) fails: the holder must acquire again, with a new token", async () => {
    const id = account();
    const a = leases(gatewayA, "gw-a");
    await a.acquire(id);
    await expireByTime(id);
    const error = await leaseLost(a.renew(id));
    expect(error.message).toMatch(/it expired or was released and nobody holds it now/);
    expect(await a.acquire(id)).toMatchObject({ acquired: true, lease: { fencingToken: 2 } });
  });

  it("renew without acquire fails with PG_LEASE_LOST naming the current holder", async () => {
    const id = account();
    await leases(gatewayA, "gw-a").acquire(id);
    const error = await leaseLost(leases(gatewayB, "gw-b").renew(id));
    expect(error.message).toMatch(/no longer held by gw-b: it is now held by gw-a/);
  });

  it("holds(): this process's own deadline, ttl after it sent the last acquire or renew", async () => {
    const id = account();
    const clock = createManualClock();
    const a = leases(gatewayA, "gw-a", MINUTE, { clock });
    expect(a.holds(id)).toBe(false);
    await a.acquire(id);
    clock.advance(MINUTE - 1);
    expect(a.holds(id)).toBe(true);
    clock.advance(1);
    expect(a.holds(id)).toBe(false);
    await a.renew(id);
    expect(a.holds(id)).toBe(true);
  });

  it("list() shows every leased account with holder, host, pid, token, expiry and whether it is live", async () => {
    const [x, y] = [account(), account()];
    const a = leases(gatewayA, "gw-a");
    await a.acquire(x);
    await a.acquire(y);
    await a.release(y);
    const rows = (await a.list()).filter((l) => l.accountId === x || l.accountId === y);
    expect(rows.map((l) => [l.accountId, l.holderId, l.host, l.pid, l.fencingToken, l.live])).toEqual([
      [x, "gw-a", "host-gw-a", 1004, 1, true],
      [y, "gw-a", "host-gw-a", 1004, 1, false],
    ]);
    expect(rows[0]?.expiresAt).toBeGreaterThan(Date.now() - MINUTE);
  });

  it("bad options and account ids are refused", async () => {
    expect(() => createAccountLeases({ pool: gatewayA, holderId: " ", ttlMs: 1000 })).toThrow(
      /^createAccountLeases: holderId: /,
    );
    expect(() => createAccountLeases({ pool: gatewayA, holderId: "gw", ttlMs: 0 })).toThrow(
      /^createAccountLeases: ttlMs: /,
    );
    await expect(leases(gatewayA, "gw").acquire("")).rejects.toThrow(
      /^An account id must be a string of 1 to 500 characters; got ""/,
    );
  });
});
