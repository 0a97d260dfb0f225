import type { ImsgConnection } from "./imsg-connection.ts";
import type { ImsgWatch, WatchDelivery, WatchHandler, WatchOptions } from "./imsg-watch.ts";
import type { Message } from "./protocol/shapes.ts";
import { type CatchUpWatch, catchUp } from "./watch-catch-up.ts";
import type { WatchHost } from "./watch-host.ts";
import { planWatchStart } from "./watch-start.ts";
import { watchSubscribeParams } from "./watch-subscribe-params.ts";

interface QueuedMessage {
  message: Message;
  delivery: WatchDelivery;
}

const DEFAULT_MAX_QUEUED = 1000;

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
  readonly #catchUpWatch: CatchUpWatch;

  constructor(host: WatchHost, options: WatchOptions, handler: WatchHandler) {
    this.#host = host;
    this.#options = options;
    this.#handler = handler;
    this.#maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.#cursor = options.sinceRowid;
    this.#catchUpWatch = {
      host,
      options,
      maxQueued: this.#maxQueued,
      deliver: (message) => this.deliver(message),
      room: (need) => this.#room(need),
      highest: () => this.#highest,
    };
  }

  get cursor(): number | undefined {
    return this.#cursor;
  }

  get subscription(): number | undefined {
    return this.#subscription;
  }

  get received(): number | undefined {
    return this.#highest ?? this.#cursor;
  }

  resubscribe(): boolean {
    const connection = this.#connection;
    if (this.#closed || this.#paused || !connection || this.#host.current() !== connection) return false;
    const subscription = this.#subscription;
    this.#subscription = undefined;
    this.#generation++;
    this.#host.timers.clearTimeout(this.#retryTimer);
    if (subscription !== undefined) void this.#host.unsubscribe(connection, subscription).catch(() => {});
    void this.#subscribe(connection, this.#highest ?? this.#cursor);
    return true;
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
      // Cursor 0 is a real start point too (a first run on an empty chat.db persists it): page from it.
      if (since >= 0) {
        since = await catchUp(this.#catchUpWatch, connection, since, stale);
        if (stale()) return;
      }
      const subscribeFrom = since;
      await this.#host.subscribe(
        connection,
        watchSubscribeParams(this.#options, subscribeFrom),
        this,
        (subscription) => {
          if (stale()) return false;
          this.#subscription = subscription;
          this.#host.logger.debug({ subscription, since: subscribeFrom }, "imsg watch subscribed");
          return true;
        },
      );
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
