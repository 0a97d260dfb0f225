import { statSync } from "node:fs";
import type { ChangeMonitor } from "./change-monitor.ts";
import { filterAllows } from "./message-filter.ts";
import { buildMessagePayload } from "./message-payload.ts";
import type { MessageFilter, MessageRow } from "./message-store.ts";
import type { RpcContext, SimDatabase } from "./rpc-context.ts";
import { UrlPreviewDeduper } from "./url-preview-deduper.ts";

/** Rows fetched per poll (§2.4). */
export const WATCH_BATCH = 100;

/** Settings of one `watch.subscribe`. */
export interface WatchSettings {
  chatId?: number;
  /** Resolved start cursor (exclusive); already replaced by MAX(ROWID) for a tail. */
  cursor: number;
  filter: MessageFilter;
  attachments: boolean;
  includeReactions: boolean;
  debounceMs: number;
  /** 0.15 buffer limit; null = unbounded (0.9). */
  bufferLimit: number | null;
}

/**
 * One subscription: polls `messagesAfter(cursor)` in ROWID order, advances the cursor past filtered rows,
 * drops URL-preview duplicates, handles unjoined rows per mode, and ends with `watch.overflow` (0.15) or a
 * single `error` notification when the stream fails.
 */
export class WatchSubscription {
  readonly id: number;
  readonly #ctx: RpcContext;
  readonly #database: SimDatabase;
  readonly #settings: WatchSettings;
  readonly #deduper = new UrlPreviewDeduper();
  #cursor: number;
  #pending = 0;
  #delivered = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #failed = false;
  #backlog = false;
  #unjoinedSince = new Map<number, number>();
  #unsubscribeMonitor: (() => void) | undefined;
  readonly #createdAt = Date.now();

  constructor(id: number, ctx: RpcContext, database: SimDatabase, settings: WatchSettings) {
    this.id = id;
    this.#ctx = ctx;
    this.#database = database;
    this.#settings = settings;
    this.#cursor = settings.cursor;
  }

  /** The exclusive cursor: every row at or below it has been emitted or skipped. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Starts listening for changes (the first poll happens immediately unless `pollFirst` already ran it). */
  start(monitor: ChangeMonitor, options: { pollNow: boolean }): void {
    this.#unsubscribeMonitor = monitor.subscribe({
      changed: () => this.#schedule(),
      hasBacklog: () => this.#backlog,
    });
    if (options.pollNow) this.poll();
  }

  /** Stops emitting; no notification for this subscription follows. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unsubscribeMonitor?.();
    this.#unsubscribeMonitor = undefined;
  }

  #schedule(): void {
    if (this.#stopped || this.#failed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.poll();
    }, this.#settings.debounceMs);
  }

  /** The deaf-stream fault (`IMSG_SIM_DEAF_FILE`): silenced once the file is touched after this subscribed. */
  #deaf(): boolean {
    const file = this.#ctx.options.faults.deafFile;
    if (file === null) return false;
    const stat = statSync(file, { throwIfNoEntry: false });
    return stat !== undefined && stat.mtimeMs >= this.#createdAt;
  }

  /** Runs one poll: at most {@link WATCH_BATCH} rows. */
  poll(): void {
    if (this.#stopped || this.#failed || this.#deaf()) return;
    const { store, watchChats } = this.#database;
    const s = this.#settings;
    let rows: MessageRow[];
    try {
      rows = store.after(this.#cursor, {
        chatId: s.chatId,
        includeReactions: s.includeReactions,
        limit: WATCH_BATCH,
      });
      this.#backlog = rows.length === WATCH_BATCH;
      for (const row of rows) {
        if (this.#stopped) return;
        if (row.chatId === null && this.#ctx.options.compat === "0.15" && this.#holdUnjoined(row)) return;
        this.#cursor = row.rowid;
        if (row.chatId === null && this.#ctx.options.compat === "0.15") continue;
        const chatId = row.chatId ?? 0;
        const payload = buildMessagePayload(store, row, chatId, watchChats.get(chatId), {
          attachments: s.attachments,
          reactions: s.includeReactions,
        });
        if (!filterAllows(s.filter, row, payload.sender)) continue;
        if (this.#deduper.skip(row, payload)) continue;
        if (!this.#offer(row, payload)) return;
      }
    } catch (error) {
      this.#failed = true;
      this.#ctx.out.notify("error", {
        subscription: this.id,
        error: { message: error instanceof Error ? error.message : String(error) },
      });
    }
  }

  /** 0.15: an unjoined row is retried for `unjoinedRetryMs`, then dropped (§9). True = stop this poll here. */
  #holdUnjoined(row: MessageRow): boolean {
    const first = this.#unjoinedSince.get(row.rowid) ?? Date.now();
    this.#unjoinedSince.set(row.rowid, first);
    if (Date.now() - first >= this.#ctx.options.unjoinedRetryMs) {
      this.#unjoinedSince.delete(row.rowid);
      return false;
    }
    this.#backlog = true;
    return true;
  }

  /** Queues one notification; false when the buffer overflowed and the subscription ended. */
  #offer(row: MessageRow, message: unknown): boolean {
    const limit = this.#settings.bufferLimit;
    const forced = this.#ctx.options.faults.overflowAfter;
    const full =
      this.#ctx.options.compat === "0.15" &&
      ((forced !== null && this.#delivered >= forced) || (limit !== null && this.#pending >= limit));
    if (full) {
      this.stop();
      this.#ctx.out.notify("watch.overflow", {
        subscription: this.id,
        resume_after_rowid: row.rowid - 1,
        reason: "buffer_limit_exceeded",
        terminal: true,
      });
      return false;
    }
    this.#pending += 1;
    this.#delivered += 1;
    this.#ctx.out.notify("message", { subscription: this.id, message }, () => {
      this.#pending -= 1;
    });
    return true;
  }
}

/** The process's subscriptions (ids start at 1 and increment, §2.4). */
export class SubscriptionRegistry {
  readonly #subscriptions = new Map<number, WatchSubscription>();
  #nextId = 1;

  /** Allocates the next subscription id. */
  nextId(): number {
    return this.#nextId++;
  }

  /** Number of live subscriptions. */
  get size(): number {
    return this.#subscriptions.size;
  }

  /** Registers a subscription. */
  add(subscription: WatchSubscription): void {
    this.#subscriptions.set(subscription.id, subscription);
  }

  /** Stops and forgets one subscription (unknown ids are fine). */
  remove(id: number): void {
    this.#subscriptions.get(id)?.stop();
    this.#subscriptions.delete(id);
  }

  /** Stops everything (EOF). */
  stopAll(): void {
    for (const subscription of this.#subscriptions.values()) subscription.stop();
    this.#subscriptions.clear();
  }
}
