import {
  type ImsgCapabilities,
  type ImsgMethodKey,
  type ImsgMethodResult,
  methodFor,
  type ProtocolFamily,
} from "./capabilities.ts";
import { findTailRowid } from "./find-tail-rowid.ts";
import type { ImsgConnection } from "./imsg-connection.ts";
import { ImsgUnsupportedMethodError } from "./imsg-error.ts";
import type { Logger } from "./logger.ts";
import { prepareParams } from "./prepare-params.ts";
import type { MessagesAfterParams, MessagesAfterResult } from "./protocol/params.ts";
import type { ImsgRpcStats } from "./rpc-stats.ts";
import { applyWatchEvent, parseWatchEvent, type WatchEvent } from "./watch-event.ts";
import type { WatchStream } from "./watch-stream.ts";
import type { WatchSubscribeParams } from "./watch-subscribe-params.ts";

interface Routing {
  routes: Map<number, WatchStream>;
  /** Notifications for subscription ids whose `watch.subscribe` answer has not been handled yet. */
  early: Map<number, WatchEvent[]>;
  earlyCount: number;
  subscribesInFlight: number;
}

const MAX_EARLY_EVENTS = 10_000;

/** What a {@link WatchRouter} needs from the client. */
export interface WatchRouterOptions {
  readonly logger: Logger;
  readonly stats: ImsgRpcStats;
  /** Timeout of each request the router sends. */
  readonly defaultMs: number;
  /** The capabilities detected at the latest start (undefined before the first). */
  capabilities(): ImsgCapabilities | undefined;
}

/**
 * The client's side of watches on each connection: sends `watch.subscribe`/`unsubscribe` and the
 * catch-up and tail requests, and routes each notification to the watch holding its subscription id.
 */
export class WatchRouter {
  readonly #logger: Logger;
  readonly #stats: ImsgRpcStats;
  readonly #defaultMs: number;
  readonly #capabilities: () => ImsgCapabilities | undefined;
  readonly #routing = new WeakMap<ImsgConnection, Routing>();

  constructor(options: WatchRouterOptions) {
    this.#logger = options.logger;
    this.#stats = options.stats;
    this.#defaultMs = options.defaultMs;
    this.#capabilities = () => options.capabilities();
  }

  /** Starts routing `connection`'s notifications (call once, before its first request). */
  register(connection: ImsgConnection): void {
    this.#routing.set(connection, {
      routes: new Map(),
      early: new Map(),
      earlyCount: 0,
      subscribesInFlight: 0,
    });
    connection.onNotification((method, params) => this.#onNotification(connection, method, params));
  }

  #family(): ProtocolFamily {
    return this.#capabilities()?.family ?? "0.9";
  }

  /** See {@link WatchHost.subscribe}. */
  async subscribe(
    connection: ImsgConnection,
    params: WatchSubscribeParams,
    watch: WatchStream,
    accept: (subscription: number) => boolean,
  ): Promise<number> {
    const routing = this.#routing.get(connection) as Routing;
    const method = methodFor(this.#family(), "watchSubscribe");
    if (!method)
      throw new ImsgUnsupportedMethodError("watch.subscribe", this.#capabilities()?.version ?? "?");
    const prepared = prepareParams(method, params, this.#logger);
    routing.subscribesInFlight++;
    try {
      const { subscription: id } = await connection.request(method, prepared, this.#defaultMs);
      const early = routing.early.get(id) ?? [];
      routing.early.delete(id);
      routing.earlyCount -= early.length;
      if (!accept(id)) {
        void this.unsubscribe(connection, id).catch(() => {});
        return id;
      }
      routing.routes.set(id, watch);
      for (const event of early) applyWatchEvent(watch, event);
      return id;
    } finally {
      routing.subscribesInFlight--;
      if (routing.subscribesInFlight === 0 && routing.earlyCount > 0) {
        this.#logger.debug(
          { dropped: routing.earlyCount },
          "dropping notifications for unknown subscriptions",
        );
        routing.early.clear();
        routing.earlyCount = 0;
      }
    }
  }

  async unsubscribe(connection: ImsgConnection, subscription: number): Promise<void> {
    this.#routing.get(connection)?.routes.delete(subscription);
    const method = methodFor(this.#family(), "watchUnsubscribe");
    if (!method || connection.exited) return;
    await connection.request(method, { subscription }, this.#defaultMs);
  }

  /** One `messages.after` page for a watch's catch-up, or undefined when the peer has no such method. */
  pageAfter(
    connection: ImsgConnection,
    params: MessagesAfterParams,
  ): Promise<MessagesAfterResult> | undefined {
    if (!this.#capabilities()?.messagesAfter) return undefined;
    const method = methodFor(this.#family(), "messagesAfter");
    if (!method) return undefined;
    return connection.request(method, params, this.#defaultMs);
  }

  /** See {@link WatchHost.findTail}. */
  async findTail(connection: ImsgConnection, expectAtLeast: number | undefined): Promise<number> {
    const family = this.#family();
    const request = <K extends ImsgMethodKey>(key: K, params: object): Promise<ImsgMethodResult<K>> => {
      const method = methodFor(family, key);
      if (!method)
        return Promise.reject(new ImsgUnsupportedMethodError(key, this.#capabilities()?.version ?? "?"));
      return connection.request(method, params, this.#defaultMs);
    };
    return findTailRowid(
      {
        chatsList: (limit) => request("chatsList", { limit }).then((r) => r.chats),
        lastMessages: (chatId, limit) =>
          request("messagesHistory", { chat_id: chatId, limit }).then((r) => r.messages),
        ...(this.#capabilities()?.messagesAfter
          ? {
              messagesAfter: (since: number) => request("messagesAfter", { since_rowid: since, limit: 500 }),
            }
          : {}),
      },
      expectAtLeast !== undefined ? { expectAtLeast } : {},
    );
  }

  #onNotification(connection: ImsgConnection, method: string, params: unknown): void {
    this.#stats.notifications[method] = (this.#stats.notifications[method] ?? 0) + 1;
    const event = parseWatchEvent(method, params, this.#logger, this.#stats);
    const routing = this.#routing.get(connection);
    if (!event || !routing) return;
    const watch = routing.routes.get(event.subscription);
    if (watch) {
      applyWatchEvent(watch, event);
    } else if (routing.subscribesInFlight > 0 && routing.earlyCount < MAX_EARLY_EVENTS) {
      // 0.9 may send a backlog notification before the subscribe result (§2.4 ordering race).
      const list = routing.early.get(event.subscription) ?? [];
      list.push(event);
      routing.early.set(event.subscription, list);
      routing.earlyCount++;
    } else {
      this.#logger.debug(
        { method, subscription: event.subscription },
        "notification for a subscription nobody holds",
      );
    }
  }
}
