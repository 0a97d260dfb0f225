import { type Logger, silentLogger } from "@imgate/channel-core";
import type { Pool } from "pg";
import { PostgresErrorCode, PostgresStateError } from "./postgres-errors.ts";
import { type PostgresMigration, postgresMigrations } from "./postgres-migrations.ts";

/**
 * Key of the transaction-level advisory lock that serialises migrations: two gateways starting together
 * queue on it instead of both creating the same tables. ("imgate" in ASCII.)
 */
export const MIGRATION_LOCK_KEY = 0x696d67617465n;

/** Options of {@link migratePostgres}. */
export interface MigratePostgresOptions {
  logger?: Logger;
  /** Schema steps; defaults to {@link postgresMigrations}. Tests pass their own. */
  migrations?: readonly PostgresMigration[];
}

/**
 * Brings the database's schema up to date and returns its version. Every pending step runs in ONE transaction
 * under {@link MIGRATION_LOCK_KEY}: it applies all or nothing, and a second gateway migrating at the same time
 * waits, then finds nothing left to do. Fails with `PG_SCHEMA_TOO_NEW` when a newer imgate wrote the schema,
 * and with `PG_MIGRATION_FAILED` (nothing applied) when a step fails.
 */
export async function migratePostgres(pool: Pool, options: MigratePostgresOptions = {}): Promise<number> {
  const logger = options.logger ?? silentLogger;
  const migrations = options.migrations ?? postgresMigrations;
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new TypeError(
        `PostgreSQL migrations must be numbered 1, 2, 3, … without gaps; found version ${migration.version} at position ${index + 1}.`,
      );
    }
  });
  const latest = migrations.length;
  const client = await pool.connect();
  let step: PostgresMigration | undefined;
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY.toString()]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>(
      "SELECT coalesce(max(version), 0)::int AS version FROM schema_migrations",
    );
    const current = rows[0]?.version ?? 0;
    if (current > latest) {
      throw new PostgresStateError(
        PostgresErrorCode.schemaTooNew,
        `The PostgreSQL state schema is at version ${current}, but this imgate only knows versions up to ${latest}: ` +
          "a newer imgate wrote it. Upgrade this gateway to the same imgate version as the others.",
      );
    }
    for (step of migrations.slice(current)) {
      await client.query(step.sql);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        step.version,
        step.name,
      ]);
    }
    step = undefined;
    await client.query("COMMIT");
    if (latest > current) logger.info({ from: current, to: latest }, "PostgreSQL state schema migrated");
    return Math.max(latest, current);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    if (error instanceof PostgresStateError) throw error;
    if (step) {
      throw new PostgresStateError(
        PostgresErrorCode.migrationFailed,
        `PostgreSQL state migration ${step.version} (${step.name}) failed: ${(error as Error).message}. Nothing was ` +
          "applied; fix the cause (permissions to create tables, disk space) and start again.",
        { cause: error },
      );
    }
    throw error;
  } finally {
    client.release();
  }
}
