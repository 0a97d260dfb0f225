import { ChangeMonitor } from "./change-monitor.ts";
import { readMessageFilter } from "./message-filter.ts";
import { SubscriptionRegistry, WatchSubscription } from "./message-watcher.ts";
import type { RpcContext } from "./rpc-context.ts";
import { invalidParams, RPC_CODES, RpcError } from "./rpc-error.ts";
import type { Params } from "./rpc-params.ts";

const MAX_SUBSCRIPTIONS = 64;
const DEFAULT_BUFFER_LIMIT = 256;

/** Watch state of one RPC process: its subscriptions and the change monitor they share. */
export class WatchService {
  readonly registry = new SubscriptionRegistry();
  #monitor: ChangeMonitor | undefined;
  readonly #ctx: RpcContext;

  constructor(ctx: RpcContext) {
    this.#ctx = ctx;
  }

  #monitorFor(): ChangeMonitor {
    if (!this.#monitor) {
      const { db } = this.#ctx.database();
      const monitor = new ChangeMonitor(db, this.#ctx.dbPath, this.#ctx.options.pollMs);
      this.#ctx.onLocalWrite(() => monitor.emit());
      this.#monitor = monitor;
    }
    return this.#monitor;
  }

  /** `watch.subscribe` (§2.4, §2.9): `since_rowid` omitted/0 = tail, negative = replay, positive = exclusive. */
  subscribe(params: Params): { subscription: number; buffer_limit?: number } {
    const ctx = this.#ctx;
    const strict = ctx.options.compat === "0.15";
    const debounceMs = params.int("debounce_ms") ?? 500;
    if (debounceMs < 0) throw invalidParams("debounce_ms must be a non-negative integer");
    const bufferLimit = params.int("buffer_limit") ?? DEFAULT_BUFFER_LIMIT;
    if (strict && (bufferLimit < 1 || bufferLimit > 4096))
      throw invalidParams("buffer_limit must be between 1 and 4096");
    const filter = readMessageFilter(params, ctx.options.compat);
    const database = ctx.database();
    if (strict && this.registry.size >= MAX_SUBSCRIPTIONS) {
      throw new RpcError(RPC_CODES.serverBusy, `at most ${MAX_SUBSCRIPTIONS} subscriptions`);
    }
    const since = params.int("since_rowid") ?? 0;
    const cursor = since === 0 ? database.store.maxRowid() : since;
    const id = this.registry.nextId();
    const subscription = new WatchSubscription(id, ctx, database, {
      chatId: params.int("chat_id"),
      cursor,
      filter,
      attachments: params.bool("attachments") === true,
      includeReactions: params.bool("include_reactions") === true,
      debounceMs,
      bufferLimit: strict ? bufferLimit : null,
    });
    this.registry.add(subscription);
    const monitor = this.#monitorFor();
    if (ctx.options.subscribeRace) {
      // 0.9.0 starts the watch Task before writing the result (§2.4 "Ordering race"): a replay backlog's
      // first batch goes out ahead of the response. Deterministic here: always when there is a backlog.
      subscription.start(monitor, { pollNow: true });
    } else {
      subscription.start(monitor, { pollNow: false });
      setImmediate(() => subscription.poll());
    }
    return strict ? { subscription: id, buffer_limit: bufferLimit } : { subscription: id };
  }

  /** `watch.unsubscribe`: `{ok:true}`, unknown ids too; nothing for that id follows. */
  unsubscribe(params: Params): { ok: true } {
    const id = params.int("subscription");
    if (id === undefined) throw invalidParams("subscription is required");
    this.registry.remove(id);
    return { ok: true };
  }

  /** Cancels every subscription (stdin EOF). */
  stopAll(): void {
    this.registry.stopAll();
  }
}
