import type { WatchOptions } from "./imsg-watch.ts";

/** The `watch.subscribe` params a watch asks for (the client strips what the peer's version rejects). */
export interface WatchSubscribeParams {
  chat_id?: number | undefined;
  since_rowid: number;
  participants?: string[] | undefined;
  start?: string | undefined;
  end?: string | undefined;
  attachments?: boolean | undefined;
  convert_attachments?: boolean | undefined;
  include_reactions?: boolean | undefined;
  debounce_ms?: number | undefined;
  buffer_limit?: number | undefined;
}

/** The `watch.subscribe` params for `options`, from the exclusive cursor `since`. */
export function watchSubscribeParams(o: WatchOptions, since: number): WatchSubscribeParams {
  return {
    chat_id: o.chatId,
    // 0 (and an omitted cursor) means "current tail" to imsg (§2.4); -1 replays from the start.
    since_rowid: since <= 0 ? -1 : since,
    participants: o.participants,
    start: o.start,
    end: o.end,
    attachments: o.attachments,
    convert_attachments: o.convertAttachments,
    include_reactions: o.includeReactions,
    debounce_ms: o.debounceMs,
    buffer_limit: o.bufferLimit,
  };
}
