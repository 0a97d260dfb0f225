import type { DatabaseSync } from "node:sqlite";
import { openChatDb } from "./chat-db.ts";

/**
 * The stand-in's record of bridge calls (`typing`, `read`, `tapback`), kept in the chat.db file itself so a test
 * that knows the database can see calls that leave no other trace (a typing bubble). Not an Apple table: real
 * imsg has no such journal.
 */
const JOURNAL_DDL = `CREATE TABLE IF NOT EXISTS imsg_sim_bridge_call (id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL, method TEXT NOT NULL, chat_id INTEGER NOT NULL, chat_guid TEXT NOT NULL, detail TEXT NOT NULL)`;

/** One journaled bridge call. */
export interface BridgeCall {
  /** Journal order (1, 2, …). */
  id: number;
  /** Wall-clock time the stand-in handled the call (Unix ms). */
  atMs: number;
  method: "typing" | "read" | "tapback";
  /** The chat the call resolved to. */
  chatId: number;
  chatGuid: string;
  /** `typing`: whether the bubble was switched on. */
  typing?: boolean;
  /** `read`: inbound rows newly marked read. */
  marked?: number;
  /** `tapback`: the target message, the kind, whether it removed, and the reaction row written. */
  messageGuid?: string;
  reaction?: string;
  remove?: boolean;
  reactionGuid?: string;
}

/** Appends one call to the journal (creating the table on first use). */
export function recordBridgeCall(db: DatabaseSync, call: Omit<BridgeCall, "id" | "atMs">): void {
  db.exec(JOURNAL_DDL);
  const { method, chatId, chatGuid, ...detail } = call;
  db.prepare(
    "INSERT INTO imsg_sim_bridge_call (at_ms, method, chat_id, chat_guid, detail) VALUES (?, ?, ?, ?, ?)",
  ).run(Date.now(), method, chatId, chatGuid, JSON.stringify(detail));
}

/** Every journaled bridge call of a chat.db (path or open connection), oldest first; [] when none was made. */
export function readBridgeCalls(db: string | DatabaseSync): BridgeCall[] {
  const connection = typeof db === "string" ? openChatDb(db) : db;
  try {
    connection.exec(JOURNAL_DDL);
    const rows = connection
      .prepare("SELECT id, at_ms, method, chat_id, chat_guid, detail FROM imsg_sim_bridge_call ORDER BY id")
      .all() as Array<{
      id: number;
      at_ms: number;
      method: BridgeCall["method"];
      chat_id: number;
      chat_guid: string;
      detail: string;
    }>;
    return rows.map((r) => ({
      id: r.id,
      atMs: r.at_ms,
      method: r.method,
      chatId: r.chat_id,
      chatGuid: r.chat_guid,
      ...(JSON.parse(r.detail) as Partial<BridgeCall>),
    }));
  } finally {
    if (typeof db === "string") connection.close();
  }
}
