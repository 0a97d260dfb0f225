/**
 * Resolves send targets to chat ids where possible (decision Q13: one session per conversation), from a
 * short-lived snapshot of `chats.list`.
 */
import type { Clock } from "@imgate/channel-core";
import { normalizeHandle } from "./handle.ts";
import type { ImsgChat, ImsgPort } from "./imsg-port.ts";
import type { ImessageTarget } from "./target.ts";

/** Options of {@link createChatResolver}. */
export interface ChatResolverOptions {
  port: Pick<ImsgPort, "listChats">;
  clock: Clock;
  /** Region for comparing phone handles. */
  region: string;
  /** How many chats to list. Default 500. */
  listLimit?: number;
  /** How long a snapshot is reused. Default 30 000 ms. */
  ttlMs?: number;
}

/** Finds the chat id for a target. */
export interface ChatResolver {
  /** The chat id of `target`, or `undefined` when no known chat matches (the send then goes by handle/guid). */
  chatIdFor(target: ImessageTarget): Promise<number | undefined>;
  /** Forgets the snapshot (e.g. after a send created a new chat). */
  invalidate(): void;
}

/** Creates a {@link ChatResolver}. */
export function createChatResolver(options: ChatResolverOptions): ChatResolver {
  const ttl = options.ttlMs ?? 30_000;
  let snapshot: { at: number; chats: ImsgChat[] } | undefined;

  async function chats(): Promise<ImsgChat[]> {
    const now = options.clock.now();
    if (snapshot && now - snapshot.at < ttl) return snapshot.chats;
    const list = await options.port.listChats({ limit: options.listLimit ?? 500 });
    snapshot = { at: now, chats: list };
    return list;
  }

  function find(list: ImsgChat[], target: ImessageTarget): ImsgChat | undefined {
    switch (target.kind) {
      case "chat_id":
        return undefined;
      case "chat_guid":
        return list.find((chat) => chat.guid === target.chatGuid);
      case "chat_identifier":
        return list.find((chat) => chat.identifier === target.chatIdentifier);
      case "handle":
        return list.find(
          (chat) =>
            !chat.is_group && normalizeHandle(chat.identifier, { region: options.region }) === target.handle,
        );
    }
  }

  return {
    async chatIdFor(target) {
      if (target.kind === "chat_id") return target.chatId;
      let found = find(await chats(), target);
      if (!found && snapshot) {
        // A chat created since the snapshot (e.g. by our previous send): look once more.
        snapshot = undefined;
        found = find(await chats(), target);
      }
      return found?.id;
    },
    invalidate() {
      snapshot = undefined;
    },
  };
}
