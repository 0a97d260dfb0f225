import type { Timers } from "./clock.ts";
import type { ImsgConnection } from "./imsg-connection.ts";
import type { Logger } from "./logger.ts";
import type { MessagesAfterParams, MessagesAfterResult } from "./protocol/params.ts";
import type { ImsgRpcStats } from "./rpc-stats.ts";
import type { WatchStream } from "./watch-stream.ts";
import type { WatchSubscribeParams } from "./watch-subscribe-params.ts";

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
