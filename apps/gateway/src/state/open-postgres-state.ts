import type { Clock, Logger } from "@imgate/channel-core";
import type { AccountLeasesOptions, PostgresBackend } from "@imgate/state-postgres";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import { pairingOptionsOf } from "../pairing-options-of.ts";

/** The shared PostgreSQL state of `gateway.state.postgres`: one pool for the backend and the leases. */
export interface PostgresState {
  pool: AccountLeasesOptions["pool"];
  /** The URL, for error translation only: never log it. */
  url: string;
  /** `user@host:port/database`, for logs and status. */
  database: string;
  backend: PostgresBackend;
  /** Ends the pool (after the backend and the leases are done with it). */
  close(): Promise<void>;
}

/** Options of {@link openPostgresState}. */
export interface OpenPostgresStateOptions {
  /** A validated config with `gateway.state.postgres` (the URL is read from the variable it names). */
  config: GatewayConfig;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  clock: Clock;
  /** Names the connections in `pg_stat_activity`. */
  applicationName: string;
  /** Bring the schema up to date first (under the advisory lock). Default true; a read-only caller passes false. */
  migrate?: boolean;
  /** Connections in the pool; default the pool's (10). A short-lived CLI needs 2. */
  poolMax?: number;
  /** How long connecting may take before the database counts as unreachable; default the pool's (10 s). */
  connectTimeoutMs?: number;
}

/**
 * Opens the shared state of `gateway.state.postgres` (ADR 0016): reads the URL from the variable `urlEnv` names,
 * opens a pool (one round trip: a wrong URL or a stopped server fails here), migrates the schema under the
 * advisory lock, and builds the PostgreSQL backend with the config's pairing settings. Nothing logs the URL.
 * @throws {PostgresStateError} `PG_URL_MISSING`, `PG_URL_INVALID`, `PG_UNREACHABLE`, `PG_AUTH`,
 *   `PG_DATABASE_MISSING`, `PG_SCHEMA_TOO_NEW`, `PG_MIGRATION_FAILED`.
 */
export async function openPostgresState(options: OpenPostgresStateOptions): Promise<PostgresState> {
  const postgres = options.config.gateway.state?.postgres;
  if (!postgres) throw new TypeError("openPostgresState: the config has no gateway.state.postgres");
  const { logger, clock } = options;
  // Loaded here, not at the top: a gateway on SQLite (and the CLI) never loads the driver.
  const {
    createPostgresBackend,
    createPostgresPairing,
    describeDatabaseTarget,
    migratePostgres,
    openPostgresPool,
    readDatabaseUrl,
    redactDatabaseUrl,
    translatePostgresError,
  } = await import("@imgate/state-postgres");
  const url = readDatabaseUrl({ env: options.env, name: postgres.urlEnv });
  const pool = await openPostgresPool({
    url,
    logger,
    applicationName: options.applicationName,
    ...(options.poolMax !== undefined ? { max: options.poolMax } : {}),
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
  });
  try {
    if (options.migrate !== false) await migratePostgres(pool, { logger });
  } catch (error) {
    await pool.end().catch(() => {});
    throw (
      translatePostgresError(error, url) ??
      new Error(redactDatabaseUrl((error as Error)?.message ?? String(error), url), { cause: error })
    );
  }
  const { pairingExpiryMs, pairingRejectCooldownMs } = pairingOptionsOf(options.config);
  const pairing = createPostgresPairing({
    pool,
    url,
    clock,
    logger,
    expiryMs: pairingExpiryMs,
    ...(pairingRejectCooldownMs !== undefined ? { rejectCooldownMs: pairingRejectCooldownMs } : {}),
  });
  const backend = createPostgresBackend({ pool, url, clock, logger, pairing });
  return {
    pool,
    url,
    database: describeDatabaseTarget(url),
    backend,
    close: async () => {
      await backend.close().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}
