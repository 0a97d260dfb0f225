import type { Message } from "./protocol/shapes.ts";

/** The calls {@link findTailRowid} needs, already bound to one connection. */
export interface TailQueries {
  chatsList(limit: number): Promise<Array<{ id: number }>>;
  /** The chat's newest `limit` messages (by date, as `messages.history` orders them). */
  lastMessages(chatId: number, limit: number): Promise<Message[]>;
  /** `messages.after` (0.14+), or undefined on 0.9. */
  messagesAfter?: (
    sinceRowid: number,
  ) => Promise<{ next_rowid: number; has_more: boolean; messages: Message[] }>;
}

/** Options of {@link findTailRowid}. */
export interface FindTailOptions {
  /**
   * The consumer's cursor: without `messages.after` (0.9), a first estimate below it is checked again
   * with a wider scan before anyone concludes the database was replaced.
   */
  expectAtLeast?: number;
}

const CHATS_SCANNED = 10;
const MAX_AFTER_PAGES = 20;
/** The wider 0.9 scan: more chats and more of each chat's newest rows (a late-synced row sorts by date). */
const WIDE_CHATS = 200;
const WIDE_MESSAGES = 25;

async function scan(queries: TailQueries, chats: number, messages: number): Promise<number> {
  let tail = 0;
  for (const chat of await queries.chatsList(chats)) {
    for (const message of await queries.lastMessages(chat.id, messages)) tail = Math.max(tail, message.id);
  }
  return tail;
}

/**
 * The current tail ROWID, so the first subscription can start from an explicit cursor (a restart
 * before the first message then loses nothing) and a replaced chat.db can be recognised. The newest
 * message of the most recently active chats gives a lower bound; `messages.after` (when present) walks
 * it to the exact end. Erring low only replays, never skips.
 */
export async function findTailRowid(queries: TailQueries, options: FindTailOptions = {}): Promise<number> {
  let tail = await scan(queries, CHATS_SCANNED, 1);
  if (!queries.messagesAfter) {
    if (options.expectAtLeast !== undefined && tail < options.expectAtLeast) {
      tail = Math.max(tail, await scan(queries, WIDE_CHATS, WIDE_MESSAGES));
    }
    return tail;
  }
  for (let page = 0; page < MAX_AFTER_PAGES; page++) {
    const result = await queries.messagesAfter(tail);
    for (const message of result.messages) tail = Math.max(tail, message.id);
    tail = Math.max(tail, result.next_rowid);
    if (!result.has_more) break;
  }
  return tail;
}
