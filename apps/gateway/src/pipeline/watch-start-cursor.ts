import type { Logger } from "@imgate/channel-core";
import type { WatchStart } from "@imgate/imsg-rpc";
import { type CursorTracker, createCursorTracker } from "./cursor-tracker.ts";

/** Where {@link applyWatchStart} persists and who it tells. */
export interface WatchStartDeps {
  /** Writes the cursor (the outcome committer queues it behind its group commits, so writes never reorder). */
  cursors: { commit(accountId: string, source: string, position: string): void };
  accountId: string;
  source: string;
  logger: Logger;
}

/**
 * Persists the watch's starting point when it is new, and returns the tracker rows are counted from.
 * - First run: the tail the watch starts from is committed at once, so messages that arrive while the
 *   gateway is down after a quiet first start are replayed on the next one (not skipped by a watch that
 *   would start at the then-current tail).
 * - Replaced chat.db: the cursor moves down to the new database's tail (warned); its existing rows are
 *   not answered, new ones are.
 * - Resume: nothing is written. The watch's own cursor may be past rows still in flight (acknowledged to
 *   imsg-rpc, not finished), so committing it would skip a message abandoned at shutdown; the tracker
 *   keeps counting from the persisted cursor.
 */
export function applyWatchStart(
  start: WatchStart,
  current: CursorTracker | undefined,
  deps: WatchStartDeps,
): CursorTracker {
  const { cursors, accountId, source, logger } = deps;
  if (start.reason === "resume") return current ?? createCursorTracker(start.since);
  cursors.commit(accountId, source, String(start.since));
  if (start.reason === "database-replaced") {
    logger.warn(
      { accountId, previousCursor: start.previousCursor, tail: start.tail },
      "chat.db was replaced (its newest message is below the saved cursor): moving the cursor to the new database's tail; messages already in it are not answered, new ones are",
    );
  } else {
    logger.info({ accountId, cursor: start.since }, "first start: watching from the chat.db tail (recorded)");
  }
  return createCursorTracker(start.since);
}
