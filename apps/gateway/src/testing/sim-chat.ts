import { DatabaseSync } from "node:sqlite";

/** Texts the bot sent into chat `chatId` of an imsg-sim database, oldest first. */
export function sentTexts(dbPath: string, chatId: number): string[] {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const rows = db
      .prepare(
        `SELECT m.text AS text FROM message m JOIN chat_message_join j ON j.message_id = m.ROWID
         WHERE j.chat_id = ? AND m.is_from_me = 1 ORDER BY m.ROWID`,
      )
      .all(chatId) as Array<{ text: string | null }>;
    return rows.map((row) => row.text ?? "");
  } finally {
    db.close();
  }
}

/** Files the bot sent into chat `chatId` (their transfer names as imsg-sim recorded them), oldest first. */
export function sentFiles(dbPath: string, chatId: number): string[] {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const rows = db
      .prepare(
        `SELECT a.transfer_name AS filename FROM attachment a
         JOIN message_attachment_join ma ON ma.attachment_id = a.ROWID
         JOIN chat_message_join j ON j.message_id = ma.message_id
         JOIN message m ON m.ROWID = ma.message_id
         WHERE j.chat_id = ? AND m.is_from_me = 1 ORDER BY a.ROWID`,
      )
      .all(chatId) as Array<{ filename: string | null }>;
    return rows.map((row) => row.filename ?? "");
  } finally {
    db.close();
  }
}
