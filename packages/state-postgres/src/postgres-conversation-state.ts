import { randomUUID } from "node:crypto";
import {
  type AsyncCursors,
  type AsyncDedupe,
  type AsyncHistory,
  type AsyncSessions,
  type Clock,
  createDropCounters,
  type HistoryEntry,
} from "@imgate/channel-core";
import { num, type PostgresQuery, toJsonParam } from "./postgres-query.ts";
import { type SessionRow, toSessionMeta } from "./postgres-rows.ts";

interface HistoryRow {
  sender: string;
  sender_label: string | null;
  text: string;
  message_id: string;
  timestamp: string;
  extra: Record<string, unknown> | null;
}

function toHistoryEntry(row: HistoryRow): HistoryEntry {
  const entry: HistoryEntry = {
    sender: row.sender,
    text: row.text,
    messageId: row.message_id,
    timestamp: num(row.timestamp),
  };
  if (row.sender_label !== null) entry.senderLabel = row.sender_label;
  if (row.extra !== null) entry.extra = row.extra;
  return entry;
}

/** Sessions over `sessions` (reset clears the key's history in the same statement). */
export function createPostgresSessions(
  query: PostgresQuery,
  clock: Clock,
  generateId: () => string = randomUUID,
): AsyncSessions {
  return {
    async touchSession(sessionKey) {
      const { rows } = await query<SessionRow>("SELECT * FROM imgate_touch_session($1, $2, $3)", [
        sessionKey,
        generateId(),
        clock.now(),
      ]);
      return toSessionMeta(rows[0] as SessionRow);
    },
    async resetSession(sessionKey) {
      const { rows } = await query<SessionRow>("SELECT * FROM imgate_reset_session($1, $2, $3)", [
        sessionKey,
        generateId(),
        clock.now(),
      ]);
      return toSessionMeta(rows[0] as SessionRow);
    },
    async getSession(sessionKey) {
      const { rows } = await query<SessionRow>("SELECT * FROM sessions WHERE session_key = $1", [sessionKey]);
      return rows[0] ? toSessionMeta(rows[0]) : undefined;
    },
  };
}

/** Per-session history over `history`: newest `limit` kept, a message id stored once per session. */
export function createPostgresHistory(query: PostgresQuery): AsyncHistory {
  return {
    async append(sessionKey, entry, limit) {
      if (!(limit > 0)) return false;
      const { rows } = await query<{ stored: boolean }>(
        "SELECT imgate_append_history($1, $2::jsonb, $3) AS stored",
        [sessionKey, toJsonParam(entry), limit],
      );
      return rows[0]?.stored === true;
    },
    async load(sessionKey, limit) {
      if (!(limit > 0)) return [];
      const { rows } = await query<HistoryRow>(
        `SELECT sender, sender_label, text, message_id, timestamp, extra FROM history
          WHERE session_key = $1 ORDER BY id DESC LIMIT $2`,
        [sessionKey, Math.trunc(limit)],
      );
      return rows.reverse().map(toHistoryEntry);
    },
    async clear(sessionKey) {
      const { rowCount } = await query("DELETE FROM history WHERE session_key = $1", [sessionKey]);
      return rowCount ?? 0;
    },
  };
}

/** Inbound dedupe marks over `inbound_seen`, remembered for `ttlMs`. */
export function createPostgresDedupe(query: PostgresQuery, clock: Clock, ttlMs: number): AsyncDedupe {
  const drops = createDropCounters<"duplicate">();
  return {
    async seen(accountId, guid) {
      const { rows } = await query<{ fresh: boolean }>("SELECT imgate_first_seen($1, $2, $3, $4) AS fresh", [
        accountId,
        guid,
        clock.now(),
        ttlMs,
      ]);
      const duplicate = rows[0]?.fresh !== true;
      if (duplicate) drops.increment("duplicate");
      return duplicate;
    },
    async has(accountId, guid) {
      const { rows } = await query(
        "SELECT 1 FROM inbound_seen WHERE account_id = $1 AND guid = $2 AND seen_at > $3",
        [accountId, guid, clock.now() - ttlMs],
      );
      const duplicate = rows.length > 0;
      if (duplicate) drops.increment("duplicate");
      return duplicate;
    },
    async handled(accountId, guid, replyKey) {
      const { rows } = await query<{ hit: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM inbound_seen WHERE account_id = $1 AND guid = $2 AND seen_at > $3)
           OR EXISTS (SELECT 1 FROM outbox WHERE idempotency_key = $4)
           OR EXISTS (SELECT 1 FROM pending_turns WHERE account_id = $1 AND guid = $2) AS hit`,
        [accountId, guid, clock.now() - ttlMs, replyKey],
      );
      const duplicate = rows[0]?.hit === true;
      if (duplicate) drops.increment("duplicate");
      return duplicate;
    },
    async purgeExpired() {
      const { rowCount } = await query("DELETE FROM inbound_seen WHERE seen_at <= $1", [clock.now() - ttlMs]);
      return rowCount ?? 0;
    },
    counters: () => ({ duplicate: drops.snapshot().duplicate ?? 0 }),
  };
}

/** Watch cursors over `cursors`. */
export function createPostgresCursors(query: PostgresQuery, clock: Clock): AsyncCursors {
  return {
    async get(accountId, source) {
      const { rows } = await query<{ position: string }>(
        "SELECT position FROM cursors WHERE account_id = $1 AND source = $2",
        [accountId, source],
      );
      return rows[0]?.position;
    },
    async commit(accountId, source, position) {
      await query(
        `INSERT INTO cursors (account_id, source, position, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id, source) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
        [accountId, source, position, clock.now()],
      );
    },
  };
}
