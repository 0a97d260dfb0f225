import { DatabaseSync } from "node:sqlite";

/** One row the bot sent (`is_from_me = 1`), as imsg-sim wrote it for a `send`. */
export interface OutgoingRow {
  rowid: number;
  chatId: number;
  text: string;
}

function readOnly<T>(dbPath: string, read: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(dbPath, { readOnly: true, timeout: 5_000 });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Outgoing rows of chat `chatId` (or of every chat when omitted), in ROWID order. */
export function outgoingRows(dbPath: string, chatId?: number): OutgoingRow[] {
  return readOnly(dbPath, (db) => {
    const where = chatId === undefined ? "" : "AND j.chat_id = ?";
    const rows = db
      .prepare(
        `SELECT m.ROWID AS rowid, j.chat_id AS chatId, m.text AS text
         FROM message m JOIN chat_message_join j ON j.message_id = m.ROWID
         WHERE m.is_from_me = 1 ${where} ORDER BY m.ROWID`,
      )
      .all(...(chatId === undefined ? [] : [chatId])) as Array<{
      rowid: number;
      chatId: number;
      text: string | null;
    }>;
    return rows.map((row) => ({ rowid: row.rowid, chatId: row.chatId, text: row.text ?? "" }));
  });
}

/** Texts the bot sent into chat `chatId`, oldest first. */
export function outgoingTexts(dbPath: string, chatId: number): string[] {
  return outgoingRows(dbPath, chatId).map((row) => row.text);
}

/** Number of outgoing rows in the whole database (a cheap "nothing else was sent" check). */
export function outgoingCount(dbPath: string): number {
  return readOnly(
    dbPath,
    (db) => (db.prepare("SELECT count(*) AS n FROM message WHERE is_from_me = 1").get() as { n: number }).n,
  );
}
