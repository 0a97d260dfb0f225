import { Emitter } from "vscode-jsonrpc";
import {
  type ResolvedRestartOptions,
  type RestartOptions,
  resolveRestartOptions,
  restartDelay,
} from "./backoff.ts";
import {
  detectCapabilities,
  type ImsgCapabilities,
  type ImsgMethodKey,
  type ImsgMethodResult,
  methodFor,
  type ProtocolFamily,
} from "./capabilities.ts";
import { type Clock, systemClock, systemTimers, type Timers } from "./clock.ts";
import { findTailRowid } from "./find-tail-rowid.ts";
import { asFullDiskAccessError } from "./full-disk-access.ts";
import { ImsgConnection, type RequestOptions, type StopOptions } from "./imsg-connection.ts";
import {
  ImsgAbortedError,
  ImsgError,
  ImsgExitedError,
  ImsgStoppedError,
  ImsgTimeoutError,
  ImsgUnsupportedMethodError,
} from "./imsg-error.ts";
import { type Logger, silentLogger } from "./logger.ts";
import type { NullIdError } from "./ndjson-message-reader.ts";
import { prepareParams } from "./prepare-params.ts";
import {
  errorNotification,
  messageNotification,
  watchOverflowNotification,
} from "./protocol/notifications.ts";
import type {
  ChatsGetParams,
  ChatsListParams,
  MessageSendStatus,
  MessageSendStatusParams,
  MessagesAfterParams,
  MessagesAfterResult,
  MessagesHistoryParams,
  SendParams,
  SendTrackedParams,
  SendTrackedResult,
} from "./protocol/params.ts";
import type { Chat, ImsgStatus, Message, SendResult } from "./protocol/shapes.ts";
import { imsg015 } from "./protocol/v0-15.ts";
import { createStats, type ImsgRpcStats, snapshotStats } from "./rpc-stats.ts";
import type { ImsgTransport } from "./transport.ts";
import {
  type ImsgWatch,
  type WatchHandler,
  type WatchHost,
  type WatchOptions,
  WatchStream,
  type WatchSubscribeParams,
} from "./watch-stream.ts";

/** Lifecycle of the supervised imsg process. `idle` until `start()`. */
export type ImsgClientStatus = "idle" | "starting" | "ready" | "backoff" | "stopped" | "failed";

/** Observable state of an {@link ImsgClient}. */
export interface ImsgClientState {
  status: ImsgClientStatus;
  /** The error behind the last failed start or exit; kept after recovery for status pages. */
  lastError: Error | undefined;
  /** Replacement processes started after an exit or a failed start. */
  restarts: number;
  /** Consecutive failed starts (0 once a process has been ready for `stableAfterMs`). */
  failures: number;
  /** When status is `backoff`: the clock time of the next attempt. */
  nextRetryAt: number | undefined;
  /** The running process, e.g. `imsg rpc (pid 1234)`. */
  process: string | undefined;
  /** Its OS pid, when it is a local child. */
  pid: number | undefined;
  capabilities: ImsgCapabilities | undefined;
}

/** Default and `send` timeouts. */
export interface TimeoutOptions {
  /** Default per-request timeout (10 000 ms). */
  defaultMs?: number;
  /** `send` and `send.tracked` (150 000 ms: Tahoe bridge sends stall up to ~124 s). */
  sendMs?: number;
  /** `initialize`, `status` and the readiness probe at each start (default: `defaultMs`). */
  startupMs?: number;
}

/** Options of {@link createImsgClient}. */
export interface ImsgClientOptions {
  /** Starts a peer: `spawnTransport(...)`, an SSH exec channel, or `async () => streamProcess(...)`. */
  transport: ImsgTransport;
  logger?: Logger;
  clock?: Clock;
  timers?: Timers;
  /** Jitter source (default `Math.random`). */
  random?: () => number;
  restart?: RestartOptions;
  timeouts?: TimeoutOptions;
  /** How `stop()` escalates (stdin close → SIGTERM → SIGKILL). */
  stop?: StopOptions;
  /** Longest accepted stdout line (default 16 MiB). */
  maxLineBytes?: number;
}

/** Supervised, typed client for `imsg rpc`. */
export interface ImsgClient {
  /** Starts supervising. Resolves once ready; rejects if the client fails (`maxAttempts`) or is stopped first. */
  start(): Promise<void>;
  /** Stops supervising and ends the process gracefully. Pending calls reject with `ImsgStoppedError`. */
  stop(): Promise<void>;
  readonly state: ImsgClientState;
  /** Detected on each start; undefined until the first ready. */
  readonly capabilities: ImsgCapabilities | undefined;
  onStateChange(listener: (state: ImsgClientState) => void): () => void;
  /** Error responses with `id: null` (imsg could not parse or attribute a line we sent). */
  onNullIdError(listener: (error: NullIdError) => void): () => void;
  /** A copy of the counters. */
  stats(): ImsgRpcStats;
  chatsList(params?: ChatsListParams, options?: RequestOptions): Promise<Chat[]>;
  /** 0.15+ (`capabilities.chatsGet`). */
  chatsGet(params: ChatsGetParams, options?: RequestOptions): Promise<Chat>;
  /** Newest first, as imsg returns them. */
  messagesHistory(params: MessagesHistoryParams, options?: RequestOptions): Promise<Message[]>;
  /** 0.14+ (`capabilities.messagesAfter`): ROWID order after `since_rowid`. */
  messagesAfter(params: MessagesAfterParams, options?: RequestOptions): Promise<MessagesAfterResult>;
  send(params: SendParams, options?: RequestOptions): Promise<SendResult>;
  /** 0.15 with the bridge (`capabilities.sendTracked`). */
  sendTracked(params: SendTrackedParams, options?: RequestOptions): Promise<SendTrackedResult>;
  /** `capabilities.sendStatus`. */
  messageSendStatus(params: MessageSendStatusParams, options?: RequestOptions): Promise<MessageSendStatus>;
  /** 0.14+: a fresh status snapshot. */
  status(options?: RequestOptions): Promise<ImsgStatus>;
  /** Watches new messages across restarts; see {@link WatchOptions} and {@link WatchHandler}. */
  watch(options: WatchOptions, handler: WatchHandler): ImsgWatch;
}

/** Creates a supervised client; nothing runs until `start()`. */
export function createImsgClient(options: ImsgClientOptions): ImsgClient {
  return new SupervisedImsgClient(options);
}

type WatchEvent =
  | { kind: "message"; subscription: number; message: Message }
  | { kind: "overflow"; subscription: number; resumeAfterRowid: number }
  | { kind: "error"; subscription: number; message: string };

interface Routing {
  routes: Map<number, WatchStream>;
  /** Notifications for subscription ids whose `watch.subscribe` answer has not been handled yet. */
  early: Map<number, WatchEvent[]>;
  earlyCount: number;
  subscribesInFlight: number;
}

const MAX_EARLY_EVENTS = 10_000;

class SupervisedImsgClient implements ImsgClient {
  readonly #transport: ImsgTransport;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #restart: ResolvedRestartOptions;
  readonly #defaultMs: number;
  readonly #sendMs: number;
  readonly #startupMs: number;
  readonly #stopOptions: StopOptions;
  readonly #maxLineBytes: number | undefined;
  readonly #stats = createStats();
  readonly #stateEmitter = new Emitter<ImsgClientState>();
  readonly #nullIdEmitter = new Emitter<NullIdError>();
  readonly #watches = new Set<WatchStream>();
  readonly #routing = new WeakMap<ImsgConnection, Routing>();
  #state: ImsgClientState = {
    status: "idle",
    lastError: undefined,
    restarts: 0,
    failures: 0,
    nextRetryAt: undefined,
    process: undefined,
    pid: undefined,
    capabilities: undefined,
  };
  #connection: ImsgConnection | undefined;
  #startingConnection: ImsgConnection | undefined;
  #readyAt = 0;
  #retryTimer: unknown;
  #started = false;
  readonly #watchHost: WatchHost;

  constructor(options: ImsgClientOptions) {
    this.#transport = options.transport;
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
    this.#restart = resolveRestartOptions(options.restart);
    this.#defaultMs = options.timeouts?.defaultMs ?? 10_000;
    this.#sendMs = options.timeouts?.sendMs ?? 150_000;
    this.#startupMs = options.timeouts?.startupMs ?? this.#defaultMs;
    this.#stopOptions = options.stop ?? {};
    this.#maxLineBytes = options.maxLineBytes;
    this.#watchHost = {
      logger: this.#logger,
      stats: this.#stats,
      timers: this.#timers,
      subscribe: (connection, params, watch, accept) => this.#subscribe(connection, params, watch, accept),
      unsubscribe: (connection, subscription) => this.#unsubscribe(connection, subscription),
      findTail: (connection, expectAtLeast) => this.#findTail(connection, expectAtLeast),
      now: () => this.#clock.now(),
      pageAfter: (connection, params) => this.#pageAfter(connection, params),
      current: () => this.#connection,
      retryDelay: (attempt) => restartDelay(attempt, this.#restart, this.#random),
      remove: (watch) => this.#watches.delete(watch),
    };
  }

  get state(): ImsgClientState {
    return { ...this.#state };
  }

  get capabilities(): ImsgCapabilities | undefined {
    return this.#state.capabilities;
  }

  onStateChange(listener: (state: ImsgClientState) => void): () => void {
    const disposable = this.#stateEmitter.event(listener);
    return () => disposable.dispose();
  }

  onNullIdError(listener: (error: NullIdError) => void): () => void {
    const disposable = this.#nullIdEmitter.event(listener);
    return () => disposable.dispose();
  }

  stats(): ImsgRpcStats {
    return snapshotStats(this.#stats);
  }

  start(): Promise<void> {
    const settled = this.#untilReady();
    if (!this.#started && this.#state.status === "idle") {
      this.#started = true;
      void this.#attempt();
    }
    return settled;
  }

  async stop(): Promise<void> {
    if (this.#state.status === "stopped") return;
    this.#timers.clearTimeout(this.#retryTimer);
    const connection = this.#connection ?? this.#startingConnection;
    this.#connection = undefined;
    this.#startingConnection = undefined;
    if (connection) for (const watch of this.#watches) watch.detach(connection);
    this.#setState({ status: "stopped", nextRetryAt: undefined, process: undefined, pid: undefined });
    if (connection) await connection.stop(this.#stopOptions);
  }

  chatsList(params: ChatsListParams = {}, options?: RequestOptions): Promise<Chat[]> {
    return this.#call("chatsList", params, options).then((r) => r.chats);
  }

  chatsGet(params: ChatsGetParams, options?: RequestOptions): Promise<Chat> {
    return this.#call("chatsGet", params, options);
  }

  messagesHistory(params: MessagesHistoryParams, options?: RequestOptions): Promise<Message[]> {
    return this.#call("messagesHistory", params, options).then((r) => r.messages);
  }

  messagesAfter(params: MessagesAfterParams, options?: RequestOptions): Promise<MessagesAfterResult> {
    return this.#call("messagesAfter", params, options);
  }

  send(params: SendParams, options?: RequestOptions): Promise<SendResult> {
    return this.#call("send", params, options);
  }

  sendTracked(params: SendTrackedParams, options?: RequestOptions): Promise<SendTrackedResult> {
    return this.#call("sendTracked", params, options);
  }

  messageSendStatus(params: MessageSendStatusParams, options?: RequestOptions): Promise<MessageSendStatus> {
    return this.#call("messageSendStatus", params, options);
  }

  status(options?: RequestOptions): Promise<ImsgStatus> {
    return this.#call("status", {}, options);
  }

  watch(options: WatchOptions, handler: WatchHandler): ImsgWatch {
    const watch = new WatchStream(this.#watchHost, options, handler);
    this.#watches.add(watch);
    if (this.#connection && this.#state.status === "ready") watch.attach(this.#connection);
    return watch;
  }

  // ── requests ────────────────────────────────────────────────────────────────

  /** Calls `key` in the peer's family; the result is parsed by that method's schema in the connection. */
  async #call<K extends ImsgMethodKey>(
    key: K,
    params: object,
    options: RequestOptions = {},
  ): Promise<ImsgMethodResult<K>> {
    const started = this.#clock.now();
    const budget = options.timeoutMs ?? (imsg015[key].timeout === "send" ? this.#sendMs : this.#defaultMs);
    const connection = await this.#readyConnection(key, budget, options.signal);
    const capabilities = this.#state.capabilities as ImsgCapabilities;
    const method = methodFor(capabilities.family, key);
    if (!method || !capabilities.methods.has(method.method)) {
      throw new ImsgUnsupportedMethodError(method?.method ?? key, capabilities.version);
    }
    const prepared = prepareParams(method, params, this.#logger);
    const remaining = Math.max(1, budget - (this.#clock.now() - started));
    try {
      return await connection.request(method, prepared, remaining, options.signal);
    } catch (error) {
      throw asFullDiskAccessError(error, this.#binary(connection)) ?? error;
    }
  }

  /** Waits (within the request's timeout) for a ready connection. */
  #readyConnection(key: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<ImsgConnection> {
    const { status } = this.#state;
    if (status === "ready" && this.#connection) return Promise.resolve(this.#connection);
    if (status === "idle") return Promise.reject(new ImsgStoppedError("not started (call start() first)"));
    if (status === "stopped" || status === "failed") {
      return Promise.reject(new ImsgStoppedError(status, this.#state.lastError));
    }
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.#timers.clearTimeout(timer);
        subscription.dispose();
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        cleanup();
        reject(new ImsgAbortedError(key, signal?.reason));
      };
      const timer = this.#timers.setTimeout(() => {
        cleanup();
        reject(new ImsgTimeoutError(key, timeoutMs));
      }, timeoutMs);
      const subscription = this.#stateEmitter.event((state) => {
        if (state.status === "ready" && this.#connection) {
          cleanup();
          resolve(this.#connection);
        } else if (state.status === "stopped" || state.status === "failed") {
          cleanup();
          reject(new ImsgStoppedError(state.status, state.lastError));
        }
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  // ── supervision ────────────────────────────────────────────────────────────

  #untilReady(): Promise<void> {
    const { status } = this.#state;
    if (status === "ready") return Promise.resolve();
    if (status === "failed" || status === "stopped") {
      return Promise.reject(this.#state.lastError ?? new ImsgStoppedError(status));
    }
    return new Promise((resolve, reject) => {
      const subscription = this.#stateEmitter.event((state) => {
        if (state.status === "ready") {
          subscription.dispose();
          resolve();
        } else if (state.status === "failed" || state.status === "stopped") {
          subscription.dispose();
          reject(state.lastError ?? new ImsgStoppedError(state.status));
        }
      });
    });
  }

  async #attempt(): Promise<void> {
    if (this.#state.status === "stopped") return;
    this.#setState({ status: "starting", nextRetryAt: undefined });
    let connection: ImsgConnection;
    try {
      const peer = await this.#transport();
      connection = new ImsgConnection(peer, {
        logger: this.#logger,
        timers: this.#timers,
        stats: this.#stats,
        ...(this.#maxLineBytes !== undefined ? { maxLineBytes: this.#maxLineBytes } : {}),
      });
    } catch (error) {
      this.#failed(error);
      return;
    }
    if (this.#stopped()) {
      await connection.stop(this.#stopOptions);
      return;
    }
    this.#startingConnection = connection;
    this.#routing.set(connection, {
      routes: new Map(),
      early: new Map(),
      earlyCount: 0,
      subscribesInFlight: 0,
    });
    connection.onNotification((method, params) => this.#onNotification(connection, method, params));
    connection.reader.onNullIdError((error) => this.#nullIdEmitter.fire(error));
    let capabilities: ImsgCapabilities;
    try {
      capabilities = await detectCapabilities(connection, this.#startupMs);
      // Readiness probe: proves chat.db is readable (0.14+ starts even when it is not, §2.9).
      const probe = methodFor(capabilities.family, "chatsList");
      if (probe) await connection.request(probe, { limit: 1 }, this.#startupMs);
    } catch (error) {
      if (this.#startingConnection !== connection) return;
      this.#startingConnection = undefined;
      const failure = asFullDiskAccessError(error, this.#binary(connection)) ?? error;
      // An expected condition (wrong binary, Full Disk Access, imsg crashing): one line, no stack.
      this.#logger.warn(
        {
          error: failure instanceof Error ? failure.message : String(failure),
          code: (failure as { code?: unknown }).code,
          process: connection.process.describe,
        },
        "imsg failed to start",
      );
      void connection.stop(this.#stopOptions);
      this.#failed(failure);
      return;
    }
    if (this.#startingConnection !== connection) return;
    this.#startingConnection = undefined;
    this.#connection = connection;
    this.#readyAt = this.#clock.now();
    connection.closed.then((exit) =>
      this.#onExit(connection, new ImsgExitedError(connection.process.describe, exit)),
    );
    this.#logger.info(
      { process: connection.process.describe, version: capabilities.version, family: capabilities.family },
      "imsg ready",
    );
    this.#setState({
      status: "ready",
      process: connection.process.describe,
      pid: connection.process.pid,
      capabilities,
    });
    for (const watch of this.#watches) watch.attach(connection);
  }

  #onExit(connection: ImsgConnection, error: ImsgExitedError): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    for (const watch of this.#watches) watch.detach(connection);
    if (this.#state.status === "stopped") return;
    this.#logger.warn({ process: connection.process.describe, exit: error.exit }, "imsg exited; restarting");
    if (this.#clock.now() - this.#readyAt >= this.#restart.stableAfterMs) {
      this.#setState({ failures: 0 });
    }
    this.#failed(error);
  }

  #failed(error: unknown): void {
    if (this.#state.status === "stopped") return;
    const lastError = error instanceof Error ? error : new ImsgError("IMSG_SPAWN_FAILED", String(error));
    const failures = this.#state.failures + 1;
    if (failures >= this.#restart.maxAttempts) {
      this.#setState({
        status: "failed",
        lastError,
        failures,
        process: undefined,
        pid: undefined,
        nextRetryAt: undefined,
      });
      return;
    }
    const delay = restartDelay(failures, this.#restart, this.#random);
    this.#setState({
      status: "backoff",
      lastError,
      failures,
      process: undefined,
      pid: undefined,
      nextRetryAt: this.#clock.now() + delay,
    });
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#stats.restarts++;
      this.#setState({ restarts: this.#state.restarts + 1 });
      void this.#attempt();
    }, delay);
  }

  #setState(patch: Partial<ImsgClientState>): void {
    this.#state = { ...this.#state, ...patch };
    this.#stateEmitter.fire(this.state);
  }

  /** Re-reads the status (it changes across awaits, which TypeScript's narrowing does not know). */
  #stopped(): boolean {
    return this.#state.status === "stopped";
  }

  #binary(connection: ImsgConnection): string {
    return connection.process.binary ?? connection.process.describe;
  }

  // ── watches ────────────────────────────────────────────────────────────────

  #family(): ProtocolFamily {
    return this.#state.capabilities?.family ?? "0.9";
  }

  async #subscribe(
    connection: ImsgConnection,
    params: WatchSubscribeParams,
    watch: WatchStream,
    accept: (subscription: number) => boolean,
  ): Promise<number> {
    const routing = this.#routing.get(connection) as Routing;
    const method = methodFor(this.#family(), "watchSubscribe");
    if (!method)
      throw new ImsgUnsupportedMethodError("watch.subscribe", this.#state.capabilities?.version ?? "?");
    const prepared = prepareParams(method, params, this.#logger);
    routing.subscribesInFlight++;
    try {
      const { subscription: id } = await connection.request(method, prepared, this.#defaultMs);
      const early = routing.early.get(id) ?? [];
      routing.early.delete(id);
      routing.earlyCount -= early.length;
      if (!accept(id)) {
        void this.#unsubscribe(connection, id).catch(() => {});
        return id;
      }
      routing.routes.set(id, watch);
      for (const event of early) this.#apply(watch, event);
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

  async #unsubscribe(connection: ImsgConnection, subscription: number): Promise<void> {
    this.#routing.get(connection)?.routes.delete(subscription);
    const method = methodFor(this.#family(), "watchUnsubscribe");
    if (!method || connection.exited) return;
    await connection.request(method, { subscription }, this.#defaultMs);
  }

  /** One `messages.after` page for a watch's catch-up, or undefined when the peer has no such method. */
  #pageAfter(
    connection: ImsgConnection,
    params: MessagesAfterParams,
  ): Promise<MessagesAfterResult> | undefined {
    if (!this.#state.capabilities?.messagesAfter) return undefined;
    const method = methodFor(this.#family(), "messagesAfter");
    if (!method) return undefined;
    return connection.request(method, params, this.#defaultMs);
  }

  async #findTail(connection: ImsgConnection, expectAtLeast: number | undefined): Promise<number> {
    const family = this.#family();
    const request = <K extends ImsgMethodKey>(key: K, params: object): Promise<ImsgMethodResult<K>> => {
      const method = methodFor(family, key);
      if (!method)
        return Promise.reject(new ImsgUnsupportedMethodError(key, this.#state.capabilities?.version ?? "?"));
      return connection.request(method, params, this.#defaultMs);
    };
    return findTailRowid(
      {
        chatsList: (limit) => request("chatsList", { limit }).then((r) => r.chats),
        lastMessages: (chatId, limit) =>
          request("messagesHistory", { chat_id: chatId, limit }).then((r) => r.messages),
        ...(this.#state.capabilities?.messagesAfter
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
    const event = this.#parseEvent(method, params);
    const routing = this.#routing.get(connection);
    if (!event || !routing) return;
    const watch = routing.routes.get(event.subscription);
    if (watch) {
      this.#apply(watch, event);
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

  /** Validates a notification; invalid ones are counted and logged, unknown methods ignored. */
  #parseEvent(method: string, params: unknown): WatchEvent | undefined {
    if (method === messageNotification.method) {
      const parsed = messageNotification.params.safeParse(params);
      if (parsed.success) {
        return { kind: "message", subscription: parsed.data.subscription, message: parsed.data.message };
      }
      this.#invalid(method, parsed.error.issues);
    } else if (method === watchOverflowNotification.method) {
      const parsed = watchOverflowNotification.params.safeParse(params);
      if (parsed.success) {
        const { subscription, resume_after_rowid } = parsed.data;
        return { kind: "overflow", subscription, resumeAfterRowid: resume_after_rowid };
      }
      this.#invalid(method, parsed.error.issues);
    } else if (method === errorNotification.method) {
      const parsed = errorNotification.params.safeParse(params);
      if (parsed.success) {
        return { kind: "error", subscription: parsed.data.subscription, message: parsed.data.error.message };
      }
      this.#invalid(method, parsed.error.issues);
    } else {
      this.#logger.debug({ method }, "ignoring an imsg notification this client does not handle");
    }
    return undefined;
  }

  #apply(watch: WatchStream, event: WatchEvent): void {
    if (event.kind === "message") watch.deliver(event.message);
    else if (event.kind === "overflow") watch.overflow(event.subscription, event.resumeAfterRowid);
    else watch.streamError(event.subscription, event.message);
  }

  #invalid(method: string, issues: unknown): void {
    this.#stats.validationErrors++;
    this.#logger.warn({ method, issues }, `dropped an invalid imsg ${method} notification`);
  }
}
