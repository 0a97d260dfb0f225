import type { DatabaseSync } from "node:sqlite";

/**
 * One schema step of the state database. Steps run in `version` order, each in its own transaction,
 * and `PRAGMA user_version` records the last one applied.
 */
export interface Migration {
  /** 1, 2, 3, … with no gaps; the database's `user_version` after this step. */
  version: number;
  /** Short description for logs. */
  name: string;
  /** Applies the step. Runs inside a transaction; throw to abort it. */
  up(db: DatabaseSync): void;
}

/** The state database schema, oldest first. Append new steps; never edit a released one. */
export const stateMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "pairing, history, sessions, dedupe, outbox, cursors",
    up(db) {
      db.exec(`
        CREATE TABLE pairing_requests (
          channel TEXT NOT NULL,
          sender TEXT NOT NULL,
          code TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          last_seen_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          meta TEXT,
          PRIMARY KEY (channel, sender)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX pairing_requests_code ON pairing_requests (channel, code);

        CREATE TABLE approved_senders (
          channel TEXT NOT NULL,
          sender TEXT NOT NULL,
          approved_at INTEGER NOT NULL,
          PRIMARY KEY (channel, sender)
        ) WITHOUT ROWID;

        -- Timestamps of pairing replies sent and wrong codes tried, for the hourly / per-minute caps.
        CREATE TABLE pairing_events (
          id INTEGER PRIMARY KEY,
          kind TEXT NOT NULL,
          channel TEXT NOT NULL,
          at INTEGER NOT NULL
        );
        CREATE INDEX pairing_events_kind_at ON pairing_events (kind, at);

        CREATE TABLE history (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          session_key TEXT NOT NULL,
          sender TEXT NOT NULL,
          sender_label TEXT,
          text TEXT NOT NULL,
          message_id TEXT NOT NULL,
          timestamp INTEGER NOT NULL,
          extra TEXT
        );
        CREATE UNIQUE INDEX history_session_message ON history (session_key, message_id);
        CREATE INDEX history_session_id ON history (session_key, id);

        CREATE TABLE sessions (
          session_key TEXT PRIMARY KEY,
          session_id TEXT NOT NULL,
          generation INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE inbound_seen (
          account_id TEXT NOT NULL,
          guid TEXT NOT NULL,
          seen_at INTEGER NOT NULL,
          PRIMARY KEY (account_id, guid)
        ) WITHOUT ROWID;
        CREATE INDEX inbound_seen_at ON inbound_seen (seen_at);

        CREATE TABLE outbox (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          idempotency_key TEXT NOT NULL UNIQUE,
          channel TEXT NOT NULL,
          account_id TEXT NOT NULL,
          chat_key TEXT NOT NULL,
          target TEXT NOT NULL,
          text TEXT NOT NULL,
          media TEXT,
          meta TEXT,
          state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'unknown')),
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          result_id TEXT,
          not_before INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE INDEX outbox_chat ON outbox (channel, account_id, chat_key, id);
        CREATE INDEX outbox_state ON outbox (state, id);

        CREATE TABLE cursors (
          account_id TEXT NOT NULL,
          source TEXT NOT NULL,
          position TEXT NOT NULL,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (account_id, source)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    name: "outbox index of unresolved entries per chat",
    up(db) {
      // The per-chat ordering check ("no earlier queued/sending/unknown entry in this chat") walked every
      // earlier entry of the chat through outbox_chat, sent ones included: a claim slowed down as the
      // outbox grew (~1.3 ms at 20,000 entries). This partial index holds only the unresolved entries;
      // the check's `state IN (…)` must stay textually the same for SQLite to use it.
      db.exec(`
        CREATE INDEX outbox_unresolved ON outbox (channel, account_id, chat_key, id)
          WHERE state IN ('queued', 'sending', 'unknown');
      `);
    },
  },
  {
    version: 3,
    name: "echo memory: what the gateway sent, so its reflections are recognised across restarts",
    up(db) {
      // One row per remembered send: kind 'guid' (key = the message guid, bound = chat and text it carried,
      // for mirror rows that point at it) or 'text' (key = chat and text; one row matches one copy).
      db.exec(`
        CREATE TABLE echo_memory (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          scope TEXT NOT NULL,
          kind TEXT NOT NULL,
          key TEXT NOT NULL,
          bound TEXT,
          expires_at INTEGER NOT NULL
        );
        CREATE INDEX echo_memory_lookup ON echo_memory (scope, kind, key);
        CREATE INDEX echo_memory_expiry ON echo_memory (scope, expires_at);
      `);
    },
  },
  {
    version: 4,
    name: "pending agent turns",
    up(db) {
      // A turn whose agent failed stays here until it is answered or given up (issue 10, item 2): the
      // watch cursor may move past its row once this record is committed in the same transaction.
      db.exec(`
        CREATE TABLE pending_turns (
          account_id TEXT NOT NULL,
          guid TEXT NOT NULL,
          session_key TEXT NOT NULL,
          agent_id TEXT NOT NULL,
          target TEXT NOT NULL,
          envelope TEXT NOT NULL,
          request TEXT NOT NULL,
          meta TEXT,
          state TEXT NOT NULL CHECK (state IN ('pending', 'given_up')),
          arrived_at INTEGER NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          give_up_reason TEXT,
          given_up_at INTEGER,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (account_id, guid)
        ) WITHOUT ROWID;
        CREATE INDEX pending_turns_state ON pending_turns (account_id, state, arrived_at);
      `);
    },
  },
  {
    version: 5,
    name: "pairing decisions (reject cooldown, already-approved codes)",
    up(db) {
      // The last owner decision per sender: a rejected sender gets no new code until `until`, and an
      // approved code is still recognised (as "already approved") until it would have expired.
      db.exec(`
        CREATE TABLE pairing_decisions (
          channel TEXT NOT NULL,
          sender TEXT NOT NULL,
          code TEXT NOT NULL,
          decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
          decided_at INTEGER NOT NULL,
          until INTEGER NOT NULL,
          PRIMARY KEY (channel, sender)
        ) WITHOUT ROWID;
        CREATE INDEX pairing_decisions_until ON pairing_decisions (until);
      `);
    },
  },
  {
    version: 6,
    name: "outbox reactions and inline replies",
    up(db) {
      // Rich agent replies (issue 13): an entry may be a reaction (tapback) instead of text, and may refer
      // to an earlier message (the one it reacts to, or answers inline). Old entries are plain sends.
      db.exec(`
        ALTER TABLE outbox ADD COLUMN reaction TEXT;
        ALTER TABLE outbox ADD COLUMN reply_to TEXT;
      `);
    },
  },
  {
    version: 7,
    name: "sending safety: pause switches, outbox holds, send log",
    up(db) {
      // Issue 15. A pause is a row per (channel, account) — account '*' pauses every account — so the CLI
      // can pause a gateway that is not running and the pause survives restarts. A held outbox entry stays
      // `queued` with the reason in `held_reason` (its release time is `not_before`). The send log keeps
      // one row per delivered chunk for the per-hour / per-day budgets (the outbox purges sent rows).
      db.exec(`
        CREATE TABLE account_pauses (
          channel TEXT NOT NULL,
          account_id TEXT NOT NULL,
          paused_at INTEGER NOT NULL,
          reason TEXT,
          PRIMARY KEY (channel, account_id)
        ) WITHOUT ROWID;

        ALTER TABLE outbox ADD COLUMN held_reason TEXT;

        CREATE TABLE send_log (
          id INTEGER PRIMARY KEY,
          channel TEXT NOT NULL,
          account_id TEXT NOT NULL,
          contact TEXT NOT NULL,
          new_contact INTEGER NOT NULL,
          at INTEGER NOT NULL
        );
        CREATE INDEX send_log_account_at ON send_log (channel, account_id, at);
      `);
    },
  },
];
