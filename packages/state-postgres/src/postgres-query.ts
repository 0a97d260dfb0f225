import { StateErrorCode, StateStoreError } from "@imgate/channel-core";
import type { Pool, QueryResult, QueryResultRow } from "pg";
import { describeDatabaseTarget, redactDatabaseUrl } from "./database-url.ts";
import { translatePostgresError } from "./translate-postgres-error.ts";

/** Runs one statement (one round trip) on the pool; connection failures become a `PostgresStateError`. */
export type PostgresQuery = <R extends QueryResultRow = QueryResultRow>(
  text: string,
  values?: readonly unknown[],
) => Promise<QueryResult<R>>;

/**
 * The one way the backend reaches the database: `pool.query`, with connection-level failures translated
 * (naming the target and the fix, never the URL or its password) and any other message redacted. Once
 * `closed()` (default never) is true every call fails with `STATE_DB_CLOSED`, as the SQLite store does after
 * `close()`.
 */
export function createPostgresQuery(
  pool: Pool,
  url: string,
  closed: () => boolean = () => false,
): PostgresQuery {
  return async <R extends QueryResultRow>(text: string, values?: readonly unknown[]) => {
    if (closed()) {
      const target = describeDatabaseTarget(url);
      throw new StateStoreError(
        StateErrorCode.closed,
        target,
        `The PostgreSQL state backend for ${target} was used after close(); open a new one.`,
      );
    }
    try {
      return await pool.query<R>(text, values?.map(withoutNul));
    } catch (error) {
      const translated = translatePostgresError(error, url);
      if (translated) throw translated;
      if (error instanceof Error) error.message = redactDatabaseUrl(error.message, url);
      throw error;
    }
  };
}

/** PostgreSQL text cannot hold U+0000 (SQLite can): it becomes U+FFFD rather than failing the statement. */
const withoutNul = (value: unknown): unknown =>
  typeof value === "string" && value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value;

/**
 * JSON for a `jsonb` parameter. PostgreSQL text and jsonb cannot hold U+0000, which SQLite stores: it becomes
 * U+FFFD here instead of failing the whole statement (one message with a NUL must not block a batch).
 */
export function toJsonParam(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => withoutNul(item));
}

/** A `bigint` column as `pg` returns it (a string), or a number from `to_jsonb`, as a number. */
export const num = (value: string | number): number => Number(value);
