import { describeDatabaseTarget, redactDatabaseUrl } from "./database-url.ts";
import { PostgresErrorCode, PostgresStateError } from "./postgres-errors.ts";

const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ENOENT",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "ECONNRESET",
]);
/** SQLSTATEs: admin shutdown, crash shutdown, cannot connect now, too many connections. */
const unavailableStates = new Set(["57P01", "57P02", "57P03", "53300"]);

/**
 * Turns a connection-level failure from `pg` into a {@link PostgresStateError} that names the target (never the
 * password) and the fix; returns `undefined` for anything else (query errors are the caller's to handle).
 */
export function translatePostgresError(error: unknown, url: string): PostgresStateError | undefined {
  if (error instanceof PostgresStateError) return undefined;
  const code = (error as { code?: unknown } | null)?.code;
  const detail = redactDatabaseUrl((error as Error | null)?.message ?? String(error), url);
  const target = describeDatabaseTarget(url);
  const timedOut = /timeout/i.test(detail) && /connect/i.test(detail);
  if ((typeof code === "string" && (unreachableCodes.has(code) || unavailableStates.has(code))) || timedOut) {
    return new PostgresStateError(
      PostgresErrorCode.unreachable,
      `Cannot reach PostgreSQL at ${target} (${detail}). Check that the server is running and accepts ` +
        "connections there, and that the database URL's host and port are right.",
    );
  }
  if (code === "28P01" || code === "28000") {
    return new PostgresStateError(
      PostgresErrorCode.auth,
      `PostgreSQL at ${target} refused the login (${detail}). Check the user and password in the database URL ` +
        "and the server's pg_hba.conf.",
    );
  }
  if (code === "3D000") {
    return new PostgresStateError(
      PostgresErrorCode.databaseMissing,
      `The database of ${target} does not exist (${detail}). Create it (createdb, or CREATE DATABASE) or fix ` +
        "the database name in the URL.",
    );
  }
  return undefined;
}
