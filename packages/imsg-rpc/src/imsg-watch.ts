import type { Message } from "./protocol/shapes.ts";
import type { WatchStartListener } from "./watch-start.ts";

/** What to watch, and from where. */
export interface WatchOptions {
  /**
   * Exclusive cursor: deliver messages with a higher ROWID (the last one your store committed).
   * Omit on a first run: the client finds the current tail and subscribes from it explicitly.
   */
  sinceRowid?: number;
  /** Only this chat (default: all chats). */
  chatId?: number;
  participants?: string[];
  /** ISO-8601 bounds (inclusive start, exclusive end). */
  start?: string;
  end?: string;
  /** Fill `attachments` (default false: always `[]`). */
  attachments?: boolean;
  /**
   * Ask imsg to convert attachments models cannot read (CAF voice memos to M4A, GIF to PNG; needs ffmpeg on
   * the imsg side): converted files come as `converted_path`/`converted_mime_type`.
   */
  convertAttachments?: boolean;
  /** Emit reaction rows and fill `reactions`. */
  includeReactions?: boolean;
  debounceMs?: number;
  /** imsg's per-subscription buffer (0.14+ only; not sent to 0.9). */
  bufferLimit?: number;
  /**
   * Messages held for a slow handler before the client unsubscribes and later resumes from the last
   * one it holds (default 1000). Bounds memory; nothing is lost.
   */
  maxQueued?: number;
  /**
   * Told where the watch starts each time it (re)establishes on a new imsg process: a first run (persist
   * `since`: it is the tail the watch starts from), a resume, or a replaced database (the cursor was above
   * the database's tail; the watch moves to the new tail). See {@link WatchStartListener}.
   */
  onStart?: WatchStartListener;
}

/** How a message reached the watch. */
export interface WatchDelivery {
  /**
   * True for backlog: rows at or below the database's tail when the watch (re)started, i.e. rows that
   * arrived while the consumer or imsg was down (`messages.after` pages, or a 0.9 subscription's replay).
   * False for rows that arrived while the watch was live.
   */
  readonly replay: boolean;
  /** Clock time (ms) the watch received the row. */
  readonly receivedAt: number;
}

/**
 * Receives each message in ROWID order; the next one waits for the returned promise. Resolving
 * acknowledges the ROWID (a later resubscribe starts after it). A throw is logged and counted and
 * the message is acknowledged anyway: the handler owns its retries.
 */
export type WatchHandler = (message: Message, delivery: WatchDelivery) => void | Promise<void>;

/** A live watch; survives imsg restarts until closed. */
export interface ImsgWatch {
  /** Last acknowledged ROWID (or the tail found at start); undefined until known. */
  readonly cursor: number | undefined;
  /** Current imsg subscription id, when subscribed. */
  readonly subscription: number | undefined;
  /** Highest ROWID the watch received (queued or handled), else its cursor: where a probe looks after. */
  readonly received: number | undefined;
  /**
   * Drops the current subscription and subscribes again from {@link ImsgWatch.received}, catching up with
   * `messages.after` first — for a subscription that stopped delivering without ending (a deaf stream).
   * False when there is nothing to redo (closed, not connected, or paused for a slow handler).
   */
  resubscribe(): boolean;
  /** Unsubscribes and waits for the handler call in progress. Queued messages are not delivered. */
  close(): Promise<void>;
}
