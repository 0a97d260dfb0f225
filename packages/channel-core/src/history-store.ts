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
  /** The newest `limit` entries of `sessionKey`, oldest first; `[]` when `limit` is 0 or less. */
  load(sessionKey: string, limit: number): HistoryEntry[];
  /** Removes every entry of `sessionKey` (after dispatch); returns how many. */
  clear(sessionKey: string): number;
}

interface HistoryRow {
  sender: string;
  sender_label: string | null;
  text: string;
  message_id: string;
  timestamp: number;
  extra: string | null;
}

/** Creates the {@link HistoryStore}. */
export function createHistoryStore(store: StateStore): HistoryStore {
  const sql = (text: string) => store.statement(text);
  return {
    append(sessionKey, entry, limit) {
      if (!(limit > 0)) return false;
      return store.transaction(() => {
        const inserted =
          sql(
            "INSERT OR IGNORE INTO history (session_key, sender, sender_label, text, message_id, timestamp, extra) VALUES (?, ?, ?, ?, ?, ?, ?)",
          ).run(
            sessionKey,
            entry.sender,
            entry.senderLabel ?? null,
            entry.text,
            entry.messageId,
            entry.timestamp,
            entry.extra === undefined ? null : JSON.stringify(entry.extra),
          ).changes > 0;
        // Trim to the newest `limit`: drop everything at or below the (limit+1)-th newest id.
        sql(
          `DELETE FROM history WHERE session_key = ?1 AND id <= (
             SELECT id FROM history WHERE session_key = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)`,
        ).run(sessionKey, Math.trunc(limit));
        return inserted;
      });
    },
    load(sessionKey, limit) {
      if (!(limit > 0)) return [];
      return store.read(() => {
        const rows = sql(
          `SELECT * FROM (SELECT id, sender, sender_label, text, message_id, timestamp, extra FROM history
             WHERE session_key = ? ORDER BY id DESC LIMIT ?) ORDER BY id`,
        ).all(sessionKey, Math.trunc(limit)) as unknown as HistoryRow[];
        return rows.map((row) => {
          const entry: HistoryEntry = {
            sender: row.sender,
            text: row.text,
            messageId: row.message_id,
            timestamp: row.timestamp,
          };
          if (row.sender_label !== null) entry.senderLabel = row.sender_label;
          if (row.extra !== null) entry.extra = JSON.parse(row.extra) as Record<string, unknown>;
          return entry;
        });
      });
    },
    clear(sessionKey) {
      return store.read(() =>
        Number(sql("DELETE FROM history WHERE session_key = ?").run(sessionKey).changes),
      );
    },
  };
}
