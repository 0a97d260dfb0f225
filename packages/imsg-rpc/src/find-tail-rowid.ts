import type { Message } from "./protocol/shapes.ts";

/** The calls {@link findTailRowid} needs, already bound to one connection. */
export interface TailQueries {
  chatsList(limit: number): Promise<Array<{ id: number }>>;
  lastMessages(chatId: number): Promise<Message[]>;
  /** `messages.after` (0.14+), or undefined on 0.9. */
  messagesAfter?: (
    sinceRowid: number,
  ) => Promise<{ next_rowid: number; has_more: boolean; messages: Message[] }>;
}

const CHATS_SCANNED = 10;
const MAX_AFTER_PAGES = 20;

/**
 * The current tail ROWID, so the first subscription can start from an explicit cursor (a restart
 * before the first message then loses nothing). The newest message of the most recently active
 * chats gives a lower bound; `messages.after` (when present) walks it to the exact end. Erring
 * low only replays, never skips.
 */
export async function findTailRowid(queries: TailQueries): Promise<number> {
  const chats = await queries.chatsList(CHATS_SCANNED);
  let tail = 0;
  for (const chat of chats) {
    for (const message of await queries.lastMessages(chat.id)) tail = Math.max(tail, message.id);
  }
  if (!queries.messagesAfter) return tail;
  for (let page = 0; page < MAX_AFTER_PAGES; page++) {
    const result = await queries.messagesAfter(tail);
    for (const message of result.messages) tail = Math.max(tail, message.id);
    tail = Math.max(tail, result.next_rowid);
    if (!result.has_more) break;
  }
  return tail;
}
