import { Emitter } from "vscode-jsonrpc";
import { type ResolvedRestartOptions, resolveRestartOptions, restartDelay } from "./backoff.ts";
import {
  detectCapabilities,
  type ImsgCapabilities,
  type ImsgMethodKey,
  type ImsgMethodResult,
  methodFor,
} from "./capabilities.ts";
import { type Clock, systemClock, systemTimers, type Timers } from "./clock.ts";
import { asFullDiskAccessError } from "./full-disk-access.ts";
import type { ImsgClient, ImsgClientOptions, ImsgClientState } from "./imsg-client.ts";
import { ImsgConnection, type RequestOptions, type StopOptions } from "./imsg-connection.ts";
import { ImsgError, ImsgExitedError, ImsgUnsupportedMethodError } from "./imsg-error.ts";
import { ImsgMethodFacade } from "./imsg-method-facade.ts";
import type { ImsgWatch, WatchHandler, WatchOptions } from "./imsg-watch.ts";
import { type Logger, silentLogger } from "./logger.ts";
import type { NullIdError } from "./ndjson-message-reader.ts";
import { prepareParams } from "./prepare-params.ts";
import { imsg015 } from "./protocol/v0-15.ts";
import { createStats, type ImsgRpcStats, snapshotStats } from "./rpc-stats.ts";
import type { ImsgTransport } from "./transport.ts";
import { type ReadySource, readyConnection, untilReady } from "./wait-for-ready.ts";
import type { WatchHost } from "./watch-host.ts";
import { WatchRouter } from "./watch-router.ts";
import { WatchStream } from "./watch-stream.ts";

/**
 * The {@link ImsgClient} behind `createImsgClient`: supervises one imsg process at a time (start, readiness
 * probe, restart with backoff, stop), sends the typed calls to the ready one, and re-attaches watches.
 */
export class SupervisedImsgClient extends ImsgMethodFacade implements ImsgClient {
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
  readonly #router: WatchRouter;
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
  readonly #ready: ReadySource;

  constructor(options: ImsgClientOptions) {
    super();
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
    this.#router = new WatchRouter({
      logger: this.#logger,
      stats: this.#stats,
      defaultMs: this.#defaultMs,
      capabilities: () => this.#state.capabilities,
    });
    this.#watchHost = {
      logger: this.#logger,
      stats: this.#stats,
      timers: this.#timers,
      subscribe: (connection, params, watch, accept) =>
        this.#router.subscribe(connection, params, watch, accept),
      unsubscribe: (connection, subscription) => this.#router.unsubscribe(connection, subscription),
      findTail: (connection, expectAtLeast) => this.#router.findTail(connection, expectAtLeast),
      now: () => this.#clock.now(),
      pageAfter: (connection, params) => this.#router.pageAfter(connection, params),
      current: () => this.#connection,
      retryDelay: (attempt) => restartDelay(attempt, this.#restart, this.#random),
      remove: (watch) => this.#watches.delete(watch),
    };
    this.#ready = {
      state: () => this.state,
      connection: () => this.#connection,
      onState: this.#stateEmitter.event,
      timers: this.#timers,
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
    const settled = untilReady(this.#ready);
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

  watch(options: WatchOptions, handler: WatchHandler): ImsgWatch {
    const watch = new WatchStream(this.#watchHost, options, handler);
    this.#watches.add(watch);
    if (this.#connection && this.#state.status === "ready") watch.attach(this.#connection);
    return watch;
  }

  // ── requests ────────────────────────────────────────────────────────────────

  /** Calls `key` in the peer's family; the result is parsed by that method's schema in the connection. */
  protected override async call<K extends ImsgMethodKey>(
    key: K,
    params: object,
    options: RequestOptions = {},
  ): Promise<ImsgMethodResult<K>> {
    const started = this.#clock.now();
    const budget = options.timeoutMs ?? (imsg015[key].timeout === "send" ? this.#sendMs : this.#defaultMs);
    const connection = await readyConnection(this.#ready, key, budget, options.signal);
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

  // ── supervision ────────────────────────────────────────────────────────────

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
    this.#router.register(connection);
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
}
