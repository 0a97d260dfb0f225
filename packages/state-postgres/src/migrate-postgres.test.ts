import { waitFor } from "@imgate/imsg-sim/testing";
import { Client, type Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATION_LOCK_KEY, migratePostgres } from "./migrate-postgres.ts";
import { openPostgresPool } from "./open-postgres-pool.ts";
import { PostgresErrorCode, type PostgresStateError } from "./postgres-errors.ts";
import { type PostgresMigration, postgresMigrations } from "./postgres-migrations.ts";
import { type PostgresHarness, startPostgres } from "./testing/postgres-harness.ts";

let server: PostgresHarness | undefined;
const pools: Pool[] = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await server?.stop();
});

/** A pool on a fresh database of the test server. */
async function freshPool(): Promise<Pool> {
  const pool = await openPostgresPool({ url: await (server as PostgresHarness).createDatabase() });
  pools.push(pool);
  return pool;
}

async function appliedVersions(pool: Pool): Promise<number[]> {
  const { rows } = await pool.query<{ version: number }>(
    "SELECT version FROM schema_migrations ORDER BY version",
  );
  return rows.map((row) => row.version);
}

async function tableExists(pool: Pool, name: string): Promise<boolean> {
  const { rows } = await pool.query("SELECT 1 FROM pg_tables WHERE tablename = $1", [name]);
  return rows.length === 1;
}

// Not idempotent on purpose: running a step twice fails.
const steps: PostgresMigration[] = [
  { version: 1, name: "one", sql: "CREATE TABLE one (x int)" },
  { version: 2, name: "two", sql: "CREATE TABLE two (x int); INSERT INTO two VALUES (2)" },
];

describe("migratePostgres", () => {
  it("creates the schema of this imgate and records every step", async () => {
    const pool = await freshPool();
    expect(await migratePostgres(pool)).toBe(postgresMigrations.length);
    expect(await appliedVersions(pool)).toEqual(postgresMigrations.map((m) => m.version));
    expect(await tableExists(pool, "account_leases")).toBe(true);
    // A second run has nothing to do.
    expect(await migratePostgres(pool)).toBe(postgresMigrations.length);
    expect(await appliedVersions(pool)).toEqual(postgresMigrations.map((m) => m.version));
  });

  it("applies only the missing steps", async () => {
    const pool = await freshPool();
    expect(await migratePostgres(pool, { migrations: steps.slice(0, 1) })).toBe(1);
    expect(await migratePostgres(pool, { migrations: steps })).toBe(2);
    expect(await appliedVersions(pool)).toEqual([1, 2]);
  });

  it("two gateways migrating at once: one applies, the other waits on the advisory lock and finds nothing to do", async () => {
    const url = await (server as PostgresHarness).createDatabase();
    const pool = await openPostgresPool({ url });
    const other = await openPostgresPool({ url });
    pools.push(pool, other);
    // Hold the migration lock so both migrations are queued behind it, then let them go together.
    const holder = new Client({ connectionString: url });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY.toString()]);
    const both = Promise.all([
      migratePostgres(pool, { migrations: steps }),
      migratePostgres(other, { migrations: steps }),
    ]);
    await waitFor(async () => {
      const { rows } = await holder.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
      );
      return rows[0]?.n === 2;
    }, "both migrations waiting on the lock");
    await holder.query("COMMIT");
    await holder.end();
    expect(await both).toEqual([2, 2]);
    expect(await appliedVersions(pool)).toEqual([1, 2]);
    const { rows } = await pool.query("SELECT x FROM two");
    expect(rows).toEqual([{ x: 2 }]);
  });

  it("a failing step applies nothing of the run: PG_MIGRATION_FAILED naming the step", async () => {
    const pool = await freshPool();
    const broken: PostgresMigration[] = [
      steps[0] as PostgresMigration,
      { version: 2, name: "broken", sql: "CREATE TABLE nope (" },
    ];
    const error = (await migratePostgres(pool, { migrations: broken }).catch(
      (e: unknown) => e,
    )) as PostgresStateError;
    expect(error.code).toBe(PostgresErrorCode.migrationFailed);
    expect(error.message).toMatch(/^PostgreSQL state migration 2 \(broken\) failed: .*Nothing was applied/);
    expect(await tableExists(pool, "one")).toBe(false);
    expect(await tableExists(pool, "schema_migrations")).toBe(false);
  });

  it("a schema written by a newer imgate: PG_SCHEMA_TOO_NEW, nothing changed", async () => {
    const pool = await freshPool();
    await migratePostgres(pool, { migrations: steps });
    const error = (await migratePostgres(pool, { migrations: steps.slice(0, 1) }).catch(
      (e: unknown) => e,
    )) as PostgresStateError;
    expect(error.code).toBe(PostgresErrorCode.schemaTooNew);
    expect(error.message).toMatch(/schema is at version 2, but this imgate only knows versions up to 1/);
    expect(await appliedVersions(pool)).toEqual([1, 2]);
  });

  it("refuses a migration list with gaps", async () => {
    const pool = await freshPool();
    await expect(migratePostgres(pool, { migrations: [steps[1] as PostgresMigration] })).rejects.toThrow(
      /numbered 1, 2, 3/,
    );
  });
});
