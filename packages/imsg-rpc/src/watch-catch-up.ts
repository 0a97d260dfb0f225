import type { ImsgConnection } from "./imsg-connection.ts";
import type { WatchOptions } from "./imsg-watch.ts";
import type { Message } from "./protocol/shapes.ts";
import type { WatchHost } from "./watch-host.ts";

/** `messages.after` page size for catch-up (the method's maximum, §messages.after). */
const CATCH_UP_PAGE = 500;

/** What {@link catchUp} needs from the watch it pages for. */
export interface CatchUpWatch {
  readonly host: WatchHost;
  readonly options: WatchOptions;
  readonly maxQueued: number;
  /** Queues a row for the handler, exactly like a `message` notification. */
  deliver(message: Message): void;
  /** Resolves once `need` more messages fit in the queue without pausing (or the watch closed). */
  room(need: number): Promise<void>;
  /** Highest ROWID accepted into the queue (or handled). */
  highest(): number | undefined;
}

/**
 * Drains a backlog with `messages.after` pages before subscribing: a watch delivers about 100 rows per
 * poll, pages carry 500 (protocol: "resume with `messages.after` or a new subscription"). Rows go through
 * the same queue and handler; a page is only requested when the queue has room for it, so the watch
 * never pauses. Returns the ROWID to subscribe from (rows after it, e.g. new ones, come from the watch).
 */
export async function catchUp(
  watch: CatchUpWatch,
  connection: ImsgConnection,
  since: number,
  stale: () => boolean,
): Promise<number> {
  const o = watch.options;
  // messages.after cannot apply these filters: such watches catch up through the subscription.
  if (o.participants || o.start || o.end) return since;
  const limit = Math.max(1, Math.min(CATCH_UP_PAGE, Math.floor(watch.maxQueued / 2)));
  let cursor = since;
  let pages = 0;
  try {
    for (;;) {
      const request = watch.host.pageAfter?.(connection, {
        since_rowid: cursor,
        limit,
        ...(o.chatId !== undefined ? { chat_id: o.chatId } : {}),
        ...(o.attachments !== undefined ? { attachments: o.attachments } : {}),
        ...(o.convertAttachments !== undefined ? { convert_attachments: o.convertAttachments } : {}),
        ...(o.includeReactions !== undefined ? { include_reactions: o.includeReactions } : {}),
      });
      if (!request) return cursor;
      const page = await request;
      if (stale()) return cursor;
      pages++;
      for (const message of page.messages) watch.deliver(message);
      const last = page.messages.at(-1)?.id ?? cursor;
      cursor = Math.max(cursor, last, page.next_rowid);
      if (!page.has_more || page.messages.length === 0) break;
      await watch.room(limit);
      if (stale()) return cursor;
    }
  } catch (error) {
    if (stale()) return cursor;
    // The subscription replays from here instead: slower, nothing lost.
    watch.host.logger.warn({ err: error, since: cursor }, "imsg messages.after failed; catching up by watch");
    return watch.highest() ?? cursor;
  }
  if (pages > 1) watch.host.logger.debug({ pages, since, until: cursor }, "imsg watch caught up by pages");
  return cursor;
}
