import type { Timers } from "./clock.ts";
import type { ImsgConnection } from "./imsg-connection.ts";
import type { Logger } from "./logger.ts";
import type { MessagesAfterParams, MessagesAfterResult } from "./protocol/params.ts";
import type { Message } from "./protocol/shapes.ts";
import type { ImsgRpcStats } from "./rpc-stats.ts";
import { planWatchStart, type WatchStartListener } from "./watch-start.ts";

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
  /** Unsubscribes and waits for the handler call in progress. Queued messages are not delivered. */
  close(): Promise<void>;
}

/** The `watch.subscribe` params a watch asks for (the client strips what the peer's version rejects). */
export interface WatchSubscribeParams {
  chat_id?: number | undefined;
  since_rowid: number;
  participants?: string[] | undefined;
  start?: string | undefined;
  end?: string | undefined;
  attachments?: boolean | undefined;
  include_reactions?: boolean | undefined;
  debounce_ms?: number | undefined;
  buffer_limit?: number | undefined;
}

/** What a {@link WatchStream} needs from the client. */
export interface WatchHost {
  readonly logger: Logger;
  readonly stats: ImsgRpcStats;
  readonly timers: Timers;
  /**
   * Subscribes on `connection`. When the id arrives, `accept(id)` is asked first: if true the id is
   * routed to `watch` and notifications that came early are replayed; if false it is unsubscribed.
   */
  subscribe(
    connection: ImsgConnection,
    params: WatchSubscribeParams,
    watch: WatchStream,
    accept: (subscription: number) => boolean,
  ): Promise<number>;
  unsubscribe(connection: ImsgConnection, subscription: number): Promise<void>;
  /**
   * The database's tail ROWID (a lower bound on 0.9). `expectAtLeast` (the watch's cursor) asks for a
   * second, wider look before a tail below it is reported.
   */
  findTail(connection: ImsgConnection, expectAtLeast?: number): Promise<number>;
  /** Clock time in ms. */
  now(): number;
  /** One `messages.after` page, or undefined when the peer lacks the method (0.9). */
  pageAfter?(
    connection: ImsgConnection,
    params: MessagesAfterParams,
  ): Promise<MessagesAfterResult> | undefined;
  /** The ready connection, if any. */
  current(): ImsgConnection | undefined;
  retryDelay(attempt: number): number;
  remove(watch: WatchStream): void;
}

interface QueuedMessage {
  message: Message;
  delivery: WatchDelivery;
}

const DEFAULT_MAX_QUEUED = 1000;
/** `messages.after` page size for catch-up (the method's maximum, §messages.after). */
const CATCH_UP_PAGE = 500;

/**
 * One consumer's watch: (re)subscribes from its cursor on every ready connection, dedupes by ROWID,
 * and feeds the handler one message at a time. Handles `watch.overflow`, `error` notifications and
 * its own queue limit by resubscribing from the last message it holds.
 */
export class WatchStream implements ImsgWatch {
  readonly #host: WatchHost;
  readonly #options: WatchOptions;
  readonly #handler: WatchHandler;
  readonly #maxQueued: number;
  #cursor: number | undefined;
  /** Highest ROWID accepted into the queue (or handled). */
  #highest: number | undefined;
  #queue: QueuedMessage[] = [];
  /** Rows at or below this ROWID are replayed backlog (the tail at the latest start). */
  #replayUpTo = Number.NEGATIVE_INFINITY;
  /** Bumped when the database was replaced: a row of the old one finishing later must not set the cursor. */
  #epoch = 0;
  /** A new imsg process arrived while paused: the resume must read its tail first. */
  #tailUnchecked = false;
  #head = 0;
  #drain: Promise<void> | undefined;
  #closed = false;
  #paused = false;
  #connection: ImsgConnection | undefined;
  #subscription: number | undefined;
  #generation = 0;
  #retryTimer: unknown;
  #retryAttempts = 0;
  /** Resolves a catch-up that waits for the handler to make room for its next page. */
  #onRoom: { need: number; resolve: () => void } | undefined;

  constructor(host: WatchHost, options: WatchOptions, handler: WatchHandler) {
    this.#host = host;
    this.#options = options;
    this.#handler = handler;
    this.#maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.#cursor = options.sinceRowid;
  }

  get cursor(): number | undefined {
    return this.#cursor;
  }

  get subscription(): number | undefined {
    return this.#subscription;
  }

  /** A connection became ready: subscribe on it from the acknowledged cursor. */
  attach(connection: ImsgConnection): void {
    if (this.#closed) return;
    this.#connection = connection;
    this.#subscription = undefined;
    this.#retryAttempts = 0;
    // A paused watch subscribes when it resumes; the new process's tail is checked then.
    if (this.#paused) this.#tailUnchecked = true;
    else void this.#subscribe(connection, this.#cursor, true);
  }

  /** The connection is gone; its subscription with it. */
  detach(connection: ImsgConnection): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    this.#subscription = undefined;
    this.#generation++;
    this.#host.timers.clearTimeout(this.#retryTimer);
  }

  /** A validated `message` notification for one of this watch's subscriptions. */
  deliver(message: Message): void {
    if (this.#closed) return;
    const seen = this.#highest ?? this.#cursor;
    if (seen !== undefined && message.id <= seen) {
      this.#host.stats.duplicatesSkipped++;
      return;
    }
    // While paused the subscription is being dropped; resuming from #highest fetches these again.
    if (this.#paused) return;
    this.#highest = message.id;
    this.#retryAttempts = 0;
    this.#queue.push({
      message,
      delivery: { replay: message.id <= this.#replayUpTo, receivedAt: this.#host.now() },
    });
    if (this.#queue.length - this.#head > this.#maxQueued) this.#pause();
    this.#drain ??= this.#run();
  }

  /** `watch.overflow`: the subscription ended; resume at or before the first dropped row. */
  overflow(subscription: number, resumeAfterRowid: number): void {
    if (this.#closed || subscription !== this.#subscription || !this.#connection) return;
    this.#host.logger.info(
      { subscription, resumeAfterRowid },
      "imsg watch overflowed; resubscribing from resume_after_rowid",
    );
    this.#subscription = undefined;
    const held = this.#highest ?? this.#cursor ?? resumeAfterRowid;
    void this.#subscribe(this.#connection, Math.min(resumeAfterRowid, held));
  }

  /** `error` notification: the stream stopped emitting; resubscribe after a delay. */
  streamError(subscription: number, message: string): void {
    if (this.#closed || subscription !== this.#subscription || !this.#connection) return;
    this.#host.logger.warn({ subscription, error: message }, "imsg watch failed; resubscribing");
    const connection = this.#connection;
    this.#subscription = undefined;
    this.#generation++;
    void this.#host.unsubscribe(connection, subscription).catch(() => {});
    this.#scheduleRetry(connection);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#generation++;
    this.#host.timers.clearTimeout(this.#retryTimer);
    this.#queue = [];
    this.#head = 0;
    this.#releaseRoom(true);
    const { connection, subscription } = { connection: this.#connection, subscription: this.#subscription };
    this.#subscription = undefined;
    this.#host.remove(this);
    if (connection && subscription !== undefined && !connection.exited) {
      await this.#host.unsubscribe(connection, subscription).catch(() => {});
    }
    await this.#drain;
  }

  /**
   * Subscribes from `from`. With `checkTail` (a first run, a new imsg process, a retry after an error) the
   * database's tail is read first: a first run starts there, and a cursor above it means a replaced
   * chat.db (see watch-start.ts). Resumes within one process (overflow, a slow handler) skip that read.
   */
  async #subscribe(connection: ImsgConnection, from: number | undefined, checkTail = false): Promise<void> {
    const generation = ++this.#generation;
    const stale = () => generation !== this.#generation || this.#closed;
    try {
      let since = from;
      if (since === undefined || checkTail) {
        const tail = await this.#host.findTail(connection, since);
        if (stale()) return;
        since = this.#start(planWatchStart(since, tail));
      }
      if (since > 0) {
        since = await this.#catchUp(connection, since, stale);
        if (stale()) return;
      }
      const subscribeFrom = since;
      await this.#host.subscribe(connection, this.#params(subscribeFrom), this, (subscription) => {
        if (stale()) return false;
        this.#subscription = subscription;
        this.#host.logger.debug({ subscription, since: subscribeFrom }, "imsg watch subscribed");
        return true;
      });
    } catch (error) {
      if (stale() || connection.exited) return;
      this.#host.logger.warn(
        {
          error: error instanceof Error ? error.message : String(error),
          code: (error as { code?: unknown }).code,
        },
        "imsg watch.subscribe failed; retrying",
      );
      this.#scheduleRetry(connection);
    }
  }

  /** Applies a start decision (cursor, dedupe, replay boundary), tells the consumer, returns `since`. */
  #start(start: ReturnType<typeof planWatchStart>): number {
    const { reason, since, tail } = start;
    if (reason === "database-replaced") {
      this.#host.logger.warn(
        { cursor: start.previousCursor, tail },
        "imsg database tail is below the watch cursor (chat.db replaced?); moving the cursor to the new tail",
      );
      // The old database's numbering means nothing now: rows of the new one are judged afresh, and rows
      // of the old one still queued are dropped (they would move the cursor back above the new tail).
      this.#cursor = since;
      this.#highest = undefined;
      this.#queue = [];
      this.#head = 0;
      this.#epoch++;
    } else {
      this.#cursor ??= since;
      this.#host.logger.debug({ reason, since, tail }, "imsg watch start point");
    }
    this.#replayUpTo = tail;
    try {
      this.#options.onStart?.(start);
    } catch (error) {
      this.#host.logger.error({ err: error, reason, since }, "imsg watch onStart listener threw");
    }
    return since;
  }

  /**
   * Drains a backlog with `messages.after` pages before subscribing: a watch delivers about 100 rows per
   * poll, pages carry 500 (protocol: "resume with `messages.after` or a new subscription"). Rows go through
   * the same queue and handler; a page is only requested when the queue has room for it, so the watch
   * never pauses. Returns the ROWID to subscribe from (rows after it, e.g. new ones, come from the watch).
   */
  async #catchUp(connection: ImsgConnection, since: number, stale: () => boolean): Promise<number> {
    const o = this.#options;
    // messages.after cannot apply these filters: such watches catch up through the subscription.
    if (o.participants || o.start || o.end) return since;
    const limit = Math.max(1, Math.min(CATCH_UP_PAGE, Math.floor(this.#maxQueued / 2)));
    let cursor = since;
    let pages = 0;
    try {
      for (;;) {
        const request = this.#host.pageAfter?.(connection, {
          since_rowid: cursor,
          limit,
          ...(o.chatId !== undefined ? { chat_id: o.chatId } : {}),
          ...(o.attachments !== undefined ? { attachments: o.attachments } : {}),
          ...(o.includeReactions !== undefined ? { include_reactions: o.includeReactions } : {}),
        });
        if (!request) return cursor;
        const page = await request;
        if (stale()) return cursor;
        pages++;
        for (const message of page.messages) this.deliver(message);
        const last = page.messages.at(-1)?.id ?? cursor;
        cursor = Math.max(cursor, last, page.next_rowid);
        if (!page.has_more || page.messages.length === 0) break;
        await this.#room(limit);
        if (stale()) return cursor;
      }
    } catch (error) {
      if (stale()) return cursor;
      // The subscription replays from here instead: slower, nothing lost.
      this.#host.logger.warn(
        { err: error, since: cursor },
        "imsg messages.after failed; catching up by watch",
      );
      return this.#highest ?? cursor;
    }
    if (pages > 1) this.#host.logger.debug({ pages, since, until: cursor }, "imsg watch caught up by pages");
    return cursor;
  }

  /** Resolves once `need` more messages fit in the queue without pausing (or the watch closed). */
  #room(need: number): Promise<void> {
    if (this.#queue.length - this.#head + need <= this.#maxQueued || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onRoom = { need, resolve };
    });
  }

  #releaseRoom(force = false): void {
    const waiter = this.#onRoom;
    if (!waiter) return;
    if (!force && this.#queue.length - this.#head + waiter.need > this.#maxQueued) return;
    this.#onRoom = undefined;
    waiter.resolve();
  }

  #scheduleRetry(connection: ImsgConnection): void {
    this.#retryAttempts++;
    const delay = this.#host.retryDelay(this.#retryAttempts);
    this.#host.timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = this.#host.timers.setTimeout(() => {
      if (this.#closed || this.#connection !== connection || this.#host.current() !== connection) return;
      if (this.#subscription === undefined && !this.#paused) {
        void this.#subscribe(connection, this.#highest ?? this.#cursor, true);
      }
    }, delay);
  }

  #params(since: number): WatchSubscribeParams {
    const o = this.#options;
    return {
      chat_id: o.chatId,
      // 0 (and an omitted cursor) means "current tail" to imsg (§2.4); -1 replays from the start.
      since_rowid: since <= 0 ? -1 : since,
      participants: o.participants,
      start: o.start,
      end: o.end,
      attachments: o.attachments,
      include_reactions: o.includeReactions,
      debounce_ms: o.debounceMs,
      buffer_limit: o.bufferLimit,
    };
  }

  #pause(): void {
    this.#paused = true;
    this.#generation++;
    const { connection, subscription } = { connection: this.#connection, subscription: this.#subscription };
    this.#subscription = undefined;
    this.#host.logger.info(
      { queued: this.#queue.length - this.#head, resumeFrom: this.#highest },
      "imsg watch handler is behind; unsubscribing until it catches up",
    );
    if (connection && subscription !== undefined) {
      void this.#host.unsubscribe(connection, subscription).catch(() => {});
    }
  }

  #resume(): void {
    this.#paused = false;
    const connection = this.#connection;
    if (connection && this.#host.current() === connection && !this.#closed) {
      const checkTail = this.#tailUnchecked;
      this.#tailUnchecked = false;
      void this.#subscribe(connection, this.#highest ?? this.#cursor, checkTail);
    }
  }

  async #run(): Promise<void> {
    try {
      while (this.#head < this.#queue.length && !this.#closed) {
        const { message, delivery } = this.#queue[this.#head++] as QueuedMessage;
        if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        if (this.#cursor !== undefined && message.id <= this.#cursor) {
          this.#host.stats.duplicatesSkipped++;
          continue;
        }
        const epoch = this.#epoch;
        try {
          await this.#handler(message, delivery);
        } catch (error) {
          this.#host.stats.handlerErrors++;
          this.#host.logger.error(
            { err: error, rowid: message.id },
            "imsg watch handler threw; message acknowledged",
          );
        }
        if (epoch === this.#epoch) this.#cursor = message.id;
        this.#releaseRoom();
        if (this.#paused && this.#queue.length - this.#head <= this.#maxQueued / 2) this.#resume();
      }
    } finally {
      this.#drain = undefined;
    }
    if (this.#paused && !this.#closed) this.#resume();
  }
}
