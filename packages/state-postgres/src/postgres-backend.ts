import { randomUUID } from "node:crypto";
import type { AsyncPairing, Clock, Logger, StateBackend } from "@imgate/channel-core";
import type { Pool } from "pg";
import { describeDatabaseTarget } from "./database-url.ts";
import { createCommitOutcomes } from "./postgres-commit-outcomes.ts";
import {
  createPostgresCursors,
  createPostgresDedupe,
  createPostgresHistory,
  createPostgresSessions,
} from "./postgres-conversation-state.ts";
import { createPostgresEchoRows } from "./postgres-echo-rows.ts";
import { createPostgresOutbox, type PostgresOutbox } from "./postgres-outbox.ts";
import { createPostgresPendingTurns } from "./postgres-pending-turns.ts";
import { createPostgresQuery } from "./postgres-query.ts";
import { createPostgresPauses, createPostgresSendLog } from "./postgres-sending-safety.ts";

/** Options of {@link createPostgresBackend}. */
export interface PostgresBackendOptions {
  /** A pool on a database migrated with `migratePostgres` (schema version 3 or later). */
  pool: Pool;
  /** The pool's database URL: names the target in `describe` and errors; never logged itself. */
  url: string;
  /** Every stored time (ms) comes from here, as on SQLite; only lease expiry uses the database's clock. */
  clock: Clock;
  logger: Logger;
  /**
   * Pairing requests and approvals. PostgreSQL pairing is its own module (ADR 0016 step 6); until it is passed
   * here, `backend.pairing` throws rather than pretend.
   */
  pairing?: AsyncPairing;
  /** How long an inbound message id is remembered as seen. Default 7 days (as channel-core's dedupe). */
  dedupeTtlMs?: number;
  /** Given-up turns kept per account. Default 50 (as channel-core's pending-turn store). */
  givenUpKept?: number;
  /** As channel-core's outbox: nothing is handed out before `reconcile` ran. Default true. */
  requireReconcile?: boolean;
  /** Draws new session ids. Default `crypto.randomUUID`. */
  generateId?: () => string;
  /**
   * Ends the pool on `close()`. Default false: the caller opened it and ends it. Either way the backend refuses
   * every call after `close()` (`STATE_DB_CLOSED`).
   */
  ownsPool?: boolean;
}

/** A PostgreSQL {@link StateBackend}; its outbox's `reconcile` also takes `{ accountId }`. */
export interface PostgresBackend extends StateBackend {
  readonly kind: "postgres";
  readonly outbox: PostgresOutbox;
}

const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The gateway's state in PostgreSQL, shared by several gateways (issue 16, ADR 0016). Behaves as channel-core's
 * SQLite stores; every method is one statement (one round trip), and `commitOutcomes` applies a whole group
 * commit in one call of `imgate_commit_outcomes`, refusing it with `PG_LEASE_LOST` when its lease is stale.
 */
export function createPostgresBackend(options: PostgresBackendOptions): PostgresBackend {
  const { pool, url, clock, logger } = options;
  let closed = false;
  const query = createPostgresQuery(pool, url, () => closed);
  const generateId = options.generateId ?? randomUUID;
  const dedupeTtlMs = options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS;
  const givenUpKept = Math.max(1, options.givenUpKept ?? 50);
  const outbox = createPostgresOutbox({
    query,
    clock,
    logger,
    ...(options.requireReconcile === undefined ? {} : { requireReconcile: options.requireReconcile }),
  });
  const { pairing } = options;
  return {
    kind: "postgres",
    describe: `PostgreSQL ${describeDatabaseTarget(url)}`,
    get pairing(): AsyncPairing {
      if (!pairing) {
        throw new TypeError(
          "createPostgresBackend: no pairing was passed; pass the PostgreSQL pairing (createPostgresPairing) as " +
            "options.pairing.",
        );
      }
      return pairing;
    },
    sessions: createPostgresSessions(query, clock, generateId),
    history: createPostgresHistory(query),
    dedupe: createPostgresDedupe(query, clock, dedupeTtlMs),
    outbox,
    cursors: createPostgresCursors(query, clock),
    pendingTurns: createPostgresPendingTurns(query, clock, givenUpKept),
    echo: createPostgresEchoRows(query),
    pauses: createPostgresPauses(query, clock),
    sendLog: createPostgresSendLog(query),
    commitOutcomes: createCommitOutcomes({
      query,
      clock,
      logger,
      generateId,
      dedupeTtlMs,
      givenUpKept,
      assertReconciled: (accountId) => outbox.assertReconciled(accountId),
    }),
    async close() {
      if (closed) return;
      closed = true;
      if (options.ownsPool) await pool.end();
    },
  };
}
