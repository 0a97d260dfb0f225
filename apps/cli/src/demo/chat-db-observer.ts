/**
 * Watches the stand-in's chat.db, read-only with `node:sqlite`: what the gateway sent (`is_from_me = 1`)
 * and what arrived. The demo uses it to show replies as they happen and to know when a step is done.
 */
import { existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as delay } from "node:timers/promises";

/** One message row: sent by the gateway (`fromMe`) or received. */
export interface SentMessage {
  rowid: number;
  guid: string;
  text: string;
  /** Whether the gateway sent it. */
  fromMe: boolean;
  /** Sender handle of a received message (`""` for sent ones). */
  sender: string;
  /** Chat identifier (handle for DMs, `chat…` for groups), when the row is joined to a chat. */
  chat: string;
  /** Display name of the chat, when it has one. */
  chatName: string;
}

/** One call in imsg-sim's bridge journal (table `imsg_sim_bridge_call`). */
export interface BridgeCallRow {
  id: number;
  method: string;
  /** The chat's identifier (handle for DMs). */
  chat: string;
  typing?: boolean;
}

/** Reads sent messages after a cursor; call {@link ChatDbObserver.close} when done. */
export interface ChatDbObserver {
  /** Messages with ROWID greater than the cursor, oldest first; advances the cursor. */
  poll(): SentMessage[];
  /** Polls until `match` accepts a message, or throws after `timeoutMs`. Other messages go to `onOther`. */
  waitFor(
    match: (message: SentMessage) => boolean,
    options: { timeoutMs: number; what: string; onOther?: (message: SentMessage) => void },
  ): Promise<SentMessage>;
  /** Moves the cursor to the newest row, so earlier messages are never reported. */
  skipToEnd(): void;
  /**
   * imsg-sim's bridge journal (bridge mode): the `typing`/`read`/`tapback` calls the gateway made, oldest first,
   * with `id` above `afterId`; `[]` when there are none (or the table does not exist yet).
   */
  bridgeCalls(afterId?: number): BridgeCallRow[];
  close(): void;
}

/** Opens `dbPath` read-only once it exists. */
export function observeChatDb(dbPath: string): ChatDbObserver {
  let db: DatabaseSync | undefined;
  let cursor = 0;
  const open = (): DatabaseSync | undefined => {
    if (!db && existsSync(dbPath)) {
      db = new DatabaseSync(dbPath, { readOnly: true });
      db.exec("PRAGMA busy_timeout = 2000");
    }
    return db;
  };
  const poll = (): SentMessage[] => {
    const connection = open();
    if (!connection) return [];
    const rows = connection
      .prepare(
        `SELECT m.ROWID AS rowid, m.guid AS guid, IFNULL(m.text, '') AS text, m.is_from_me AS fromMe,
                CASE WHEN m.is_from_me = 1 THEN '' ELSE IFNULL(h.id, '') END AS sender,
                IFNULL(c.chat_identifier, IFNULL(h.id, '')) AS chat, IFNULL(c.display_name, '') AS chatName
           FROM message m
           LEFT JOIN chat_message_join cmj ON cmj.message_id = m.ROWID
           LEFT JOIN chat c ON c.ROWID = cmj.chat_id
           LEFT JOIN handle h ON h.ROWID = m.handle_id
          WHERE m.ROWID > ?
          GROUP BY m.ROWID
          ORDER BY m.ROWID`,
      )
      .all(cursor)
      .map((row) => ({
        ...(row as unknown as SentMessage),
        fromMe: Boolean((row as { fromMe: number }).fromMe),
      }));
    const last = rows.at(-1);
    if (last) cursor = last.rowid;
    return rows;
  };
  return {
    poll,
    async waitFor(match, options) {
      const deadline = Date.now() + options.timeoutMs;
      while (Date.now() < deadline) {
        for (const message of poll()) {
          if (match(message)) return message;
          options.onOther?.(message);
        }
        await delay(100);
      }
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    },
    skipToEnd() {
      const connection = open();
      if (!connection) return;
      const row = connection.prepare("SELECT IFNULL(MAX(ROWID), 0) AS max FROM message").get() as {
        max: number;
      };
      cursor = row.max;
    },
    bridgeCalls(afterId = 0) {
      const connection = open();
      if (!connection) return [];
      try {
        const rows = connection
          .prepare(
            `SELECT b.id AS id, b.method AS method, IFNULL(c.chat_identifier, '') AS chat, b.detail AS detail
               FROM imsg_sim_bridge_call b LEFT JOIN chat c ON c.ROWID = b.chat_id WHERE b.id > ? ORDER BY b.id`,
          )
          .all(afterId) as Array<{ id: number; method: string; chat: string; detail: string }>;
        return rows.map((row) => {
          const detail = JSON.parse(row.detail) as { typing?: boolean };
          return {
            id: row.id,
            method: row.method,
            chat: row.chat,
            ...(detail.typing !== undefined ? { typing: detail.typing } : {}),
          };
        });
      } catch {
        // No bridge call yet: imsg-sim creates the table on the first one.
        return [];
      }
    },
    close() {
      db?.close();
      db = undefined;
    },
  };
}
