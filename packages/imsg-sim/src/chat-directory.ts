import type { ChatRow, MessageStore } from "./message-store.ts";

/** A chat with its participants, as message payloads embed it. */
export interface ChatInfo {
  chat: ChatRow;
  participants: string[];
}

/**
 * Chat info and participants for message payloads. With `cacheForever` (imsg ≤0.13, §2.4 "ChatCache") the
 * first lookup is kept for the process lifetime, so renames and membership changes are not seen.
 */
export class ChatDirectory {
  readonly #store: MessageStore;
  readonly #cacheForever: boolean;
  readonly #cache = new Map<number, ChatInfo | undefined>();

  constructor(store: MessageStore, options: { cacheForever: boolean }) {
    this.#store = store;
    this.#cacheForever = options.cacheForever;
  }

  /** Looks a chat up (cached when configured); undefined for chat 0 or a missing chat. */
  get(chatId: number): ChatInfo | undefined {
    if (chatId <= 0) return undefined;
    if (this.#cacheForever && this.#cache.has(chatId)) return this.#cache.get(chatId);
    const chat = this.#store.chat(chatId);
    const info = chat ? { chat, participants: this.#store.participants(chatId) } : undefined;
    if (this.#cacheForever && info) this.#cache.set(chatId, info);
    return info;
  }
}

/** `is_group`: the guid or the identifier contains `;+;` (§3). */
export function isGroupChat(chat: Pick<ChatRow, "guid" | "identifier">): boolean {
  return chat.guid.includes(";+;") || chat.identifier.includes(";+;");
}
