import type { StateStore } from "./state-store.ts";

/** One message kept as context for a session's next turn (decision Q14: persisted, bounded). */
export interface HistoryEntry {
  /** Sender id (normalised). */
  sender: string;
  /** How to show the sender, when different from `sender` (a contact name). */
  senderLabel?: string;
  /** Message text as received. */
  text: string;
  /** The channel's message id; unique within a session (a replayed message is stored once). */
  messageId: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  /** Anything else the renderer needs (e.g. attachment descriptions); must be JSON-serialisable. */
  extra?: Record<string, unknown>;
}

/** Per-session message history in the state store. It survives restarts. */
export interface HistoryStore {
  /**
   * Appends `entry` to `sessionKey` and keeps only the newest `limit` entries. `limit` is the
   * caller's `historyLimit` / `dmHistoryLimit` / `dms.<id>.historyLimit`; 0 (or less) records nothing.
   * Returns whether the entry was stored (false when disabled or when `messageId` was already there).
   */
  append(sessionKey: string, entry: HistoryEntry, limit: number): boolean;
  /**
   * The newest `limit` entries of `sessionKey`, oldest first; `[]` when `limit` is 0 or less. With a
   * cache the entry objects are shared between calls: treat them as read-only.
   */
  load(sessionKey: string, limit: number): HistoryEntry[];
  /** Removes every entry of `sessionKey` (after dispatch); returns how many. */
  clear(sessionKey: string): number;
}

/** Options of {@link createHistoryStore}. */
export interface HistoryStoreOptions {
  /**
   * How many sessions keep their newest entries in memory (least recently used dropped first). 0
   * (default) reads every `load` from the database. A cached `load` still checks the session's newest id
   * and row count in the database first (an index-only read), so rolled-back appends, `/reset` and other
   * writers are seen; it only skips reading and decoding the rows, the bulk of a turn's history cost.
   */
  cacheSessions?: number;
}

interface HistoryRow {
  id: number;
  sender: string;
  sender_label: string | null;
  text: string;
  message_id: string;
  timestamp: number;
  extra: string | null;
}

/** What the cache knows of one session: the database's newest id and row count, and its newest entries. */
interface CachedSession {
  last: number;
  count: number;
  /** The newest `min(count, …)` entries, oldest first. */
  entries: HistoryEntry[];
}

function toEntry(row: HistoryRow): HistoryEntry {
  const entry: HistoryEntry = {
    sender: row.sender,
    text: row.text,
    messageId: row.message_id,
    timestamp: row.timestamp,
  };
  if (row.sender_label !== null) entry.senderLabel = row.sender_label;
  if (row.extra !== null) entry.extra = JSON.parse(row.extra) as Record<string, unknown>;
  return entry;
}

/** Creates the {@link HistoryStore}. */
export function createHistoryStore(store: StateStore, options: HistoryStoreOptions = {}): HistoryStore {
  const sql = (text: string) => store.statement(text);
  const cacheSize = Math.max(0, Math.trunc(options.cacheSessions ?? 0));
  const cache = new Map<string, CachedSession>();

  const remember = (sessionKey: string, session: CachedSession) => {
    cache.delete(sessionKey);
    cache.set(sessionKey, session);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
  };

  /** The session's newest id and row count, straight off the (session_key, id) index. */
  const probe = (sessionKey: string) =>
    sql("SELECT max(id) AS last, count(*) AS count FROM history WHERE session_key = ?").get(sessionKey) as {
      last: number | null;
      count: number;
    };

  const readNewest = (sessionKey: string, limit: number): HistoryEntry[] => {
    // Newest first straight off the (session_key, id) index, reversed here: no temporary sort.
    const rows = sql(
      `SELECT id, sender, sender_label, text, message_id, timestamp, extra FROM history
         WHERE session_key = ? ORDER BY id DESC LIMIT ?`,
    ).all(sessionKey, limit) as unknown as HistoryRow[];
    rows.reverse();
    return rows.map(toEntry);
  };

  return {
    append(sessionKey, entry, limit) {
      if (!(limit > 0)) return false;
      const extra = entry.extra === undefined ? null : JSON.stringify(entry.extra);
      return store.transaction(() => {
        const inserted = sql(
          `INSERT OR IGNORE INTO history (session_key, sender, sender_label, text, message_id, timestamp, extra)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        ).get(
          sessionKey,
          entry.sender,
          entry.senderLabel ?? null,
          entry.text,
          entry.messageId,
          entry.timestamp,
          extra,
        ) as { id: number } | undefined;
        // Trim to the newest `limit`: drop everything at or below the (limit+1)-th newest id.
        const deleted = Number(
          sql(
            `DELETE FROM history WHERE session_key = ?1 AND id <= (
               SELECT id FROM history WHERE session_key = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)`,
          ).run(sessionKey, Math.trunc(limit)).changes,
        );
        const cached = cache.get(sessionKey);
        if (cached && (inserted === undefined || inserted.id > cached.last)) {
          // Ids only grow, so a new row extends what is cached; a reused id (after a rollback) or
          // anything unexpected drops the session and the next load reads the database.
          if (inserted) {
            // The same shape a database read gives (and not the caller's object, which may change).
            cached.entries.push(
              toEntry({
                id: inserted.id,
                sender: entry.sender,
                sender_label: entry.senderLabel ?? null,
                text: entry.text,
                message_id: entry.messageId,
                timestamp: entry.timestamp,
                extra,
              }),
            );
            cached.last = inserted.id;
            cached.count += 1;
          }
          cached.count -= deleted;
          if (cached.entries.length > cached.count)
            cached.entries.splice(0, cached.entries.length - cached.count);
        } else if (cached) {
          cache.delete(sessionKey);
        }
        return inserted !== undefined;
      });
    },
    load(sessionKey, limit) {
      if (!(limit > 0)) return [];
      const max = Math.trunc(limit);
      return store.read(() => {
        if (cacheSize === 0) return readNewest(sessionKey, max);
        const { last, count } = probe(sessionKey);
        const cached = cache.get(sessionKey);
        if (
          cached &&
          cached.last === (last ?? 0) &&
          cached.count === count &&
          (cached.entries.length >= max || cached.entries.length === count)
        ) {
          remember(sessionKey, cached);
          return cached.entries.slice(-max);
        }
        const entries = readNewest(sessionKey, max);
        remember(sessionKey, { last: last ?? 0, count, entries });
        return entries.slice();
      });
    },
    clear(sessionKey) {
      cache.delete(sessionKey);
      return store.read(() =>
        Number(sql("DELETE FROM history WHERE session_key = ?").run(sessionKey).changes),
      );
    },
  };
}
