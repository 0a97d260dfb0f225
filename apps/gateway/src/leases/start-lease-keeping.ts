import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Clock, Logger } from "@imgate/channel-core";
import type { Timers } from "@imgate/imsg-rpc";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import { createLeaseKeeper, type LeaseKeeper, type LeaseKeeperOptions } from "./lease-keeper.ts";

/** Options of {@link startLeaseKeeping}. */
export interface StartLeaseKeepingOptions
  extends Pick<LeaseKeeperOptions, "accountIds" | "onAcquired" | "onLost"> {
  /** A validated config with `gateway.state.postgres` (the URL is read from the variable it names). */
  config: GatewayConfig;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** This process's holder id; default `<host>:<pid>:<random>` (a restart is a new holder). */
  holderId?: string;
  clock?: Clock;
  timers?: Timers;
}

/** A running {@link LeaseKeeper} with the pool it owns. */
export interface LeaseKeeping {
  keeper: LeaseKeeper;
  holderId: string;
  /** `user@host:port/database`, for logs and status; never the URL. */
  database: string;
  /** Releases every lease, then closes the pool. */
  stop(): Promise<void>;
}

/**
 * The gateway's lease plumbing for `gateway.state.postgres` (ADR 0016 step 7): reads the URL from the variable
 * `urlEnv` names, opens a pool (one round trip: a wrong URL or a stopped server fails here), migrates the schema
 * under the advisory lock, and starts a {@link LeaseKeeper} for `accountIds` (resolved once every account had
 * its first try). Nothing logs the URL: logs name the target with `describeDatabaseTarget`, driver errors are
 * translated and redacted.
 * @throws {PostgresStateError} `PG_URL_MISSING`, `PG_URL_INVALID`, `PG_UNREACHABLE`, `PG_AUTH`,
 *   `PG_DATABASE_MISSING`, `PG_SCHEMA_TOO_NEW`, `PG_MIGRATION_FAILED`.
 */
export async function startLeaseKeeping(options: StartLeaseKeepingOptions): Promise<LeaseKeeping> {
  const postgres = options.config.gateway.state?.postgres;
  if (!postgres) throw new TypeError("startLeaseKeeping: the config has no gateway.state.postgres");
  const { logger } = options;
  // Imported here: a gateway or CLI on SQLite never loads the PostgreSQL driver.
  const {
    createAccountLeases,
    describeDatabaseTarget,
    migratePostgres,
    openPostgresPool,
    readDatabaseUrl,
    redactDatabaseUrl,
    translatePostgresError,
  } = await import("@imgate/state-postgres");
  const url = readDatabaseUrl({ env: options.env, name: postgres.urlEnv });
  const database = describeDatabaseTarget(url);
  const pool = await openPostgresPool({ url, logger, applicationName: "imgate gateway" });
  try {
    await migratePostgres(pool, { logger });
    const holderId = options.holderId ?? `${hostname()}:${process.pid}:${randomUUID()}`;
    const leases = createAccountLeases({
      pool,
      holderId,
      ttlMs: options.config.gateway.leases.ttlMs,
      logger,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const keeper = createLeaseKeeper({
      leases,
      accountIds: options.accountIds,
      onAcquired: options.onAcquired,
      onLost: options.onLost,
      logger,
      database,
      explainError: (error) =>
        translatePostgresError(error, url)?.message ??
        redactDatabaseUrl((error as Error)?.message ?? String(error), url),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
    });
    await keeper.start();
    return {
      keeper,
      holderId,
      database,
      async stop() {
        await keeper.stop();
        await pool.end().catch(() => {});
      },
    };
  } catch (error) {
    await pool.end().catch(() => {});
    throw translatePostgresError(error, url) ?? error;
  }
}
