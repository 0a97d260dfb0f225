import { type Logger, silentLogger } from "@imgate/channel-core";
import { Pool } from "pg";
import { describeDatabaseTarget, redactDatabaseUrl } from "./database-url.ts";
import { translatePostgresError } from "./translate-postgres-error.ts";

/** Options of {@link openPostgresPool}. */
export interface PostgresPoolOptions {
  /** The database URL (from {@link readDatabaseUrl}); never logged. */
  url: string;
  logger?: Logger;
  /** Most connections open at once. Default 10. */
  max?: number;
  /** How long opening a connection may take before it fails as unreachable. Default 10000 ms. */
  connectTimeoutMs?: number;
  /** Shown in `pg_stat_activity`. Default `imgate`. */
  applicationName?: string;
}

/**
 * Opens a connection pool and checks it with one round trip, so a wrong URL, a stopped server or a refused
 * login fails here with one {@link PostgresStateError} naming the fix (and never the password), not on the
 * first message. Idle connections that die later are logged (redacted) and replaced by the pool.
 */
export async function openPostgresPool(options: PostgresPoolOptions): Promise<Pool> {
  const logger = options.logger ?? silentLogger;
  const { url } = options;
  const pool = new Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? "imgate",
  });
  // Without a listener an idle client's error (server restart, network drop) would crash the process.
  pool.on("error", (error) => {
    logger.warn(
      { database: describeDatabaseTarget(url), error: redactDatabaseUrl(error.message, url) },
      "an idle PostgreSQL connection failed; the pool replaces it",
    );
  });
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw translatePostgresError(error, url) ?? new Error(redactDatabaseUrl((error as Error).message, url));
  }
  logger.info({ database: describeDatabaseTarget(url) }, "connected to PostgreSQL");
  return pool;
}
