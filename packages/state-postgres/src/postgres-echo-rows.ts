import type { AsyncEchoRows, EchoRow } from "@imgate/channel-core";
import { num, type PostgresQuery } from "./postgres-query.ts";

/** The echo memory's rows over `echo_memory`, one scope (account) at a time. */
export function createPostgresEchoRows(query: PostgresQuery): AsyncEchoRows {
  return {
    async load(scope, now) {
      const { rows } = await query<{
        kind: EchoRow["kind"];
        key: string;
        bound: string | null;
        expires_at: string;
      }>(
        "SELECT kind, key, bound, expires_at FROM echo_memory WHERE scope = $1 AND expires_at > $2 ORDER BY id",
        [scope, now],
      );
      return rows.map((row) => ({
        kind: row.kind,
        key: row.key,
        ...(row.bound !== null ? { bound: row.bound } : {}),
        expiresAt: num(row.expires_at),
      }));
    },
    async insert(scope, row) {
      await query(
        "INSERT INTO echo_memory (scope, kind, key, bound, expires_at) VALUES ($1, $2, $3, $4, $5)",
        [scope, row.kind, row.key, row.bound ?? null, row.expiresAt],
      );
    },
    async consumeText(scope, key, now) {
      await query(
        `DELETE FROM echo_memory WHERE id = (SELECT id FROM echo_memory
           WHERE scope = $1 AND kind = 'text' AND key = $2 AND expires_at > $3 ORDER BY expires_at, id LIMIT 1)`,
        [scope, key, now],
      );
    },
    async prune(scope, now, keep) {
      await query(
        `DELETE FROM echo_memory WHERE scope = $1 AND (expires_at <= $2 OR id <= COALESCE(
           (SELECT id FROM echo_memory WHERE scope = $1 ORDER BY id DESC LIMIT 1 OFFSET $3), -1))`,
        [scope, now, keep],
      );
    },
  };
}
