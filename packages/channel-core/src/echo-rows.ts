import type { EchoRow } from "./state/state-backend.ts";
import type { StateStore } from "./state-store.ts";

/**
 * The echo memory's rows in the state store (table `echo_memory`), per scope (an account): what the in-memory
 * `EchoCache` writes through to, and what {@link StateBackend.echo} exposes.
 */
export interface EchoRows {
  /** Unexpired rows of `scope`, oldest first. */
  load(scope: string, now: number): EchoRow[];
  insert(scope: string, row: EchoRow): void;
  /** Deletes the soonest-expiring unexpired `text` row with `key` (one echo matched once). */
  consumeText(scope: string, key: string, now: number): void;
  /** Deletes the scope's expired rows and all but its newest `keep`. */
  prune(scope: string, now: number, keep: number): void;
}

interface EchoMemoryRow {
  kind: string;
  key: string;
  bound: string | null;
  expires_at: number;
}

/** Creates the {@link EchoRows} of `store`. */
export function createEchoRows(store: StateStore): EchoRows {
  return {
    load: (scope, now) =>
      store.read(() =>
        (
          store
            .statement(
              "SELECT kind, key, bound, expires_at FROM echo_memory WHERE scope = ? AND expires_at > ? ORDER BY id",
            )
            .all(scope, now) as unknown as EchoMemoryRow[]
        ).map(
          (row): EchoRow => ({
            kind: row.kind === "guid" ? "guid" : "text",
            key: row.key,
            ...(row.bound !== null ? { bound: row.bound } : {}),
            expiresAt: row.expires_at,
          }),
        ),
      ),
    insert: (scope, row) => {
      store.read(() =>
        store
          .statement("INSERT INTO echo_memory (scope, kind, key, bound, expires_at) VALUES (?, ?, ?, ?, ?)")
          .run(scope, row.kind, row.key, row.bound ?? null, row.expiresAt),
      );
    },
    consumeText: (scope, key, now) => {
      store.read(() =>
        store
          .statement(
            `DELETE FROM echo_memory WHERE id = (SELECT id FROM echo_memory
               WHERE scope = ? AND kind = 'text' AND key = ? AND expires_at > ? ORDER BY expires_at LIMIT 1)`,
          )
          .run(scope, key, now),
      );
    },
    prune: (scope, now, keep) => {
      store.read(() =>
        store
          .statement(
            `DELETE FROM echo_memory WHERE scope = ? AND (expires_at <= ? OR id <= COALESCE(
               (SELECT id FROM echo_memory WHERE scope = ? ORDER BY id DESC LIMIT 1 OFFSET ?), -1))`,
          )
          .run(scope, now, scope, keep),
      );
    },
  };
}
