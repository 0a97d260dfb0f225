import type { DatabaseSync } from "node:sqlite";
import { encodeAttributedBody } from "./attributed-body.ts";
import { openChatDb } from "./chat-db.ts";
import { ChatDbWriter } from "./chat-db-writer.ts";

/** Shape of a seeded history. */
export interface SeedOptions {
  /** Messages to add. */
  messages: number;
  /** Chats to spread them over (every fifth is a group). Default 10. */
  chats?: number;
  /** The account's own handle. */
  selfHandle?: string;
  /** Every Nth message is stored only in `attributedBody`. Default 7. */
  attributedEvery?: number;
}

/** What {@link seedHistory} added. */
export interface SeedResult {
  messages: number;
  chats: number;
  firstRowid: number;
  lastRowid: number;
}

/**
 * Fills a chat.db with a large, realistic-looking history in one transaction (benchmarks): DMs and groups,
 * alternating inbound and outbound rows one second apart, ending now.
 */
export function seedHistory(db: string | DatabaseSync, options: SeedOptions): SeedResult {
  const connection = typeof db === "string" ? openChatDb(db) : db;
  try {
    const writer = new ChatDbWriter(connection);
    const chatCount = Math.max(1, options.chats ?? 10);
    const self = options.selfHandle ?? "me@icloud.com";
    const attributedEvery = options.attributedEvery ?? 7;
    return writer.transaction(() => {
      const chats: Array<{ id: number; handles: number[] }> = [];
      for (let c = 0; c < chatCount; c++) {
        const phone = `+1555${String(1_000_000 + c).slice(-7)}`;
        const handle = writer.ensureHandle(phone, "iMessage");
        if (c % 5 === 4) {
          const other = writer.ensureHandle(`friend${c}@example.com`, "iMessage");
          const identifier = `chat${String(900_000_000 + c)}`;
          const id = writer.ensureChat(`iMessage;+;${identifier}`, identifier, "iMessage", `Group ${c}`, [
            handle,
            other,
          ]);
          chats.push({ id, handles: [handle, other] });
        } else {
          chats.push({
            id: writer.ensureChat(`iMessage;-;${phone}`, phone, "iMessage", "", [handle]),
            handles: [handle],
          });
        }
      }
      const start = writer.nextDateNs() - BigInt(options.messages) * 1_000_000_000n;
      let firstRowid = 0;
      let lastRowid = 0;
      for (let i = 0; i < options.messages; i++) {
        const chat = chats[i % chatCount] as { id: number; handles: number[] };
        const fromMe = i % 3 === 2;
        const text = `seed message ${i + 1} in chat ${chat.id}`;
        const attributedOnly = attributedEvery > 0 && i % attributedEvery === 0;
        const row = writer.insertMessage({
          text: attributedOnly ? null : text,
          attributedBody: attributedOnly ? encodeAttributedBody(text) : null,
          handleId: fromMe ? 0 : (chat.handles[i % chat.handles.length] as number),
          service: "iMessage",
          dateNs: start + BigInt(i) * 1_000_000_000n,
          isFromMe: fromMe,
          destinationCallerId: self,
        });
        writer.joinMessage(chat.id, row.id, row.dateNs);
        if (i === 0) firstRowid = row.id;
        lastRowid = row.id;
      }
      return { messages: options.messages, chats: chatCount, firstRowid, lastRowid };
    });
  } finally {
    if (typeof db === "string") connection.close();
  }
}
