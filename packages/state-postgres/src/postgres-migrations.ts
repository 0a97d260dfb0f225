import { COMMIT_OUTCOMES_SQL } from "./sql/commit-outcomes-sql.ts";
import { PAIRING_TABLES_SQL } from "./sql/pairing-tables-sql.ts";
import { STATE_TABLES_SQL } from "./sql/state-tables-sql.ts";

/**
 * One schema step of the PostgreSQL state database. Pending steps run in `version` order, all in one
 * transaction, and `schema_migrations` records each applied one.
 */
export interface PostgresMigration {
  /** 1, 2, 3, … with no gaps. */
  version: number;
  /** Short description for logs and `schema_migrations.name`. */
  name: string;
  /** The step's SQL (several statements allowed; no parameters). */
  sql: string;
}

/** The PostgreSQL state schema, oldest first. Append new steps; never edit a released one. */
export const postgresMigrations: readonly PostgresMigration[] = [
  {
    version: 1,
    name: "account leases",
    // One row per account ever leased. A release or an expiry keeps the row, so the fencing token of the next
    // holder is always above every earlier one.
    sql: `
      CREATE TABLE account_leases (
        account_id text PRIMARY KEY,
        holder_id text NOT NULL,
        host text NOT NULL,
        pid integer NOT NULL,
        fencing_token bigint NOT NULL CHECK (fencing_token > 0),
        acquired_at timestamptz NOT NULL,
        renewed_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "channel-core state tables (sessions, history, dedupe, outbox, cursors, pending turns, echo, pauses, send log)",
    sql: STATE_TABLES_SQL,
  },
  {
    version: 3,
    name: "state write functions and imgate_commit_outcomes (one round trip per group commit)",
    sql: COMMIT_OUTCOMES_SQL,
  },
  {
    version: 4,
    name: "pairing tables (requests, approved senders, owner decisions, rate-limit events)",
    sql: PAIRING_TABLES_SQL,
  },
];
