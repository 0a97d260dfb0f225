import {
  createMessageConnection,
  type MessageConnection,
  type MessageReader,
  type RequestType,
  ResponseError,
  type Logger as RpcLogger,
} from "vscode-jsonrpc/node";
import { systemTimers, type Timers } from "./clock.ts";
import {
  ImsgAbortedError,
  ImsgError,
  ImsgExitedError,
  ImsgInvalidResultError,
  ImsgResponseError,
  ImsgTimeoutError,
} from "./imsg-error.ts";
import { LineSplitter } from "./line-splitter.ts";
import { type Logger, silentLogger } from "./logger.ts";
import { NdjsonMessageReader } from "./ndjson-message-reader.ts";
import { NdjsonMessageWriter } from "./ndjson-message-writer.ts";
import type { ImsgMethod } from "./protocol/define-method.ts";
import { createStats, type ImsgRpcStats } from "./rpc-stats.ts";
import type { ExitInfo, ImsgProcess } from "./transport.ts";

/** Per-call options of every request. */
export interface RequestOptions {
  /** Overrides the method's default timeout (10 s; `send` 150 s). */
  timeoutMs?: number;
  /** Aborting rejects the call with `ImsgAbortedError` (imsg has no cancellation; its answer is ignored). */
  signal?: AbortSignal;
}

/** Options of {@link ImsgConnection}. */
export interface ImsgConnectionOptions {
  logger?: Logger;
  timers?: Timers;
  stats?: ImsgRpcStats;
  maxLineBytes?: number;
}

/** Escalation delays of {@link ImsgConnection.stop}. */
export interface StopOptions {
  /** How long to wait after closing stdin before SIGTERM (default 2000 ms). */
  graceMs?: number;
  /** How long to wait after SIGTERM before SIGKILL (default 2000 ms). */
  termMs?: number;
}

const STDERR_MAX_LINE_BYTES = 64 * 1024;

/**
 * One JSON-RPC connection to one imsg peer: the NDJSON reader/writer under a vscode-jsonrpc
 * `MessageConnection`, typed requests with timeouts and cancellation, and a clean stop. It never
 * restarts anything; `ImsgClient` does.
 */
export class ImsgConnection {
  /** The peer. */
  readonly process: ImsgProcess;
  readonly reader: NdjsonMessageReader;
  readonly #writer: NdjsonMessageWriter;
  readonly #rpc: MessageConnection;
  readonly #logger: Logger;
  readonly #timers: Timers;
  readonly #stats: ImsgRpcStats;
  readonly #pending = new Set<(error: Error) => void>();
  /** Responses handed to vscode-jsonrpc, and those it has dispatched: equal once drained. */
  #forwarded = 0;
  #dispatched = 0;
  #notificationSink: ((method: string, params: unknown) => void) | undefined;
  #exit: ExitInfo | undefined;
  /** Settles once the peer is gone and every line it wrote has been dispatched. */
  readonly closed: Promise<ExitInfo>;

  constructor(process: ImsgProcess, options: ImsgConnectionOptions = {}) {
    this.process = process;
    this.#logger = options.logger ?? silentLogger;
    this.#timers = options.timers ?? systemTimers;
    this.#stats = options.stats ?? createStats();
    this.reader = new NdjsonMessageReader(process.stdout, {
      logger: this.#logger,
      stats: this.#stats,
      ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
    });
    this.#writer = new NdjsonMessageWriter(process.stdin);
    // Notifications bypass vscode-jsonrpc's dispatch queue (one setImmediate per message): the
    // watch stream is the hot path, and bench/rpc-throughput.ts measured 0.29× the baseline through
    // the queue against ~0.8× direct. Responses still go through the connection; a notification that
    // overtakes its subscribe result is buffered by the client, as 0.9 can send it first anyway (§2.4).
    const routed: MessageReader = {
      onError: this.reader.onError,
      onClose: this.reader.onClose,
      onPartialMessage: this.reader.onPartialMessage,
      listen: (callback) =>
        this.reader.listen((message) => {
          const candidate = message as { method?: unknown; id?: unknown; params?: unknown };
          if (typeof candidate.method === "string" && candidate.id === undefined) {
            this.#notify(candidate.method, candidate.params);
          } else {
            this.#forwarded++;
            callback(message);
          }
        }),
      dispose: () => this.reader.dispose(),
    };
    this.#rpc = createMessageConnection(routed, this.#writer, rpcLogger(this.#logger), {
      messageStrategy: {
        handleMessage: (message, next) => {
          this.#dispatched++;
          return next(message);
        },
      },
    });
    this.#rpc.onError(([error]) => this.#logger.debug({ err: error }, "imsg connection error"));
    this.#pipeStderr();
    this.closed = process.exited.then(async (exit) => {
      this.#exit = exit;
      await this.#drained();
      const error = new ImsgExitedError(process.describe, exit);
      for (const reject of [...this.#pending]) reject(error);
      this.#pending.clear();
      this.#rpc.dispose();
      return exit;
    });
    this.#rpc.listen();
  }

  /** True once the peer has exited. */
  get exited(): boolean {
    return this.#exit !== undefined;
  }

  /**
   * Sets the one receiver of notifications, called synchronously in arrival order with unvalidated
   * params (the client validates). Notifications before this call are dropped.
   */
  onNotification(sink: (method: string, params: unknown) => void): void {
    this.#notificationSink = sink;
  }

  /**
   * Sends `params` (already prepared for the peer's version) and validates the result.
   * Rejects with `ImsgResponseError`, `ImsgTimeoutError`, `ImsgAbortedError`, `ImsgExitedError`
   * or `ImsgInvalidResultError`.
   */
  request<P extends object, R>(
    method: ImsgMethod<P, R>,
    params: P | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<R> {
    const name = method.method;
    if (signal?.aborted) return Promise.reject(new ImsgAbortedError(name, signal.reason));
    if (this.#exit) return Promise.reject(new ImsgExitedError(this.process.describe, this.#exit));
    return new Promise<R>((resolve, reject) => {
      let timer: unknown;
      const finish = () => {
        this.#timers.clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#pending.delete(fail);
      };
      const fail = (error: Error) => {
        finish();
        reject(error);
      };
      const onAbort = () => fail(new ImsgAbortedError(name, signal?.reason));
      timer = this.#timers.setTimeout(() => fail(new ImsgTimeoutError(name, timeoutMs)), timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.add(fail);
      let sent: Promise<unknown>;
      try {
        sent =
          params === undefined
            ? this.#rpc.sendRequest(name)
            : this.#rpc.sendRequest(method.type as RequestType<object, unknown, unknown>, params);
      } catch (error) {
        fail(new ImsgExitedError(this.process.describe, this.#exit, error));
        return;
      }
      sent.then(
        (raw) => {
          if (!this.#pending.has(fail)) return;
          finish();
          const parsed = method.result.safeParse(raw);
          if (parsed.success) {
            resolve(parsed.data);
          } else {
            this.#stats.validationErrors++;
            this.#logger.warn(
              { method: name, issues: parsed.error.issues },
              `imsg ${name} result failed validation`,
            );
            reject(new ImsgInvalidResultError(name, parsed.error.message, parsed.error));
          }
        },
        (error: unknown) => {
          if (!this.#pending.has(fail)) return;
          fail(this.#toError(name, error));
        },
      );
    });
  }

  /** Closes stdin, waits `graceMs`, sends SIGTERM, waits `termMs`, then SIGKILL. Resolves on exit. */
  async stop(options: StopOptions = {}): Promise<ExitInfo> {
    const graceMs = options.graceMs ?? 2000;
    const termMs = options.termMs ?? 2000;
    this.#writer.end();
    if (await this.#exitWithin(graceMs)) return this.closed;
    this.#logger.info(
      { process: this.process.describe },
      "imsg did not exit after stdin closed; sending SIGTERM",
    );
    this.process.kill("SIGTERM");
    if (await this.#exitWithin(termMs)) return this.closed;
    this.#logger.warn({ process: this.process.describe }, "imsg ignored SIGTERM; sending SIGKILL");
    this.process.kill("SIGKILL");
    return this.closed;
  }

  #notify(method: string, params: unknown): void {
    try {
      this.#notificationSink?.(method, params);
    } catch (error) {
      this.#logger.error({ err: error, method }, "imsg notification handler threw");
    }
  }

  #exitWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.#timers.setTimeout(() => resolve(false), ms);
      this.closed.then(() => {
        this.#timers.clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #toError(method: string, error: unknown): Error {
    if (error instanceof ImsgError) return error;
    if (error instanceof ResponseError) {
      // vscode-jsonrpc's own codes (-32099…-32097: write failed, connection closed) mean the pipe is gone.
      if (error.code <= -32097 && error.code >= -32099) {
        return new ImsgExitedError(this.process.describe, this.#exit, error);
      }
      return new ImsgResponseError(method, error.code, error.message, error.data);
    }
    return new ImsgExitedError(this.process.describe, this.#exit, error);
  }

  /** Waits until the vscode-jsonrpc queue has dispatched every line read before the exit. */
  async #drained(): Promise<void> {
    // Bounded: if the queue stops making progress (it never should), stop waiting rather than hang.
    for (let idle = 0; this.#dispatched < this.#forwarded && idle < 100; ) {
      const before = this.#dispatched;
      await new Promise<void>((resolve) => setImmediate(resolve));
      idle = this.#dispatched === before ? idle + 1 : 0;
    }
  }

  #pipeStderr(): void {
    const stderr = this.process.stderr;
    if (!stderr) return;
    const splitter = new LineSplitter(
      STDERR_MAX_LINE_BYTES,
      (line) => {
        const text = line.toString("utf8").trimEnd();
        if (text) this.#logger.info({ process: this.process.describe, stream: "stderr" }, text);
      },
      (bytes) =>
        this.#logger.warn({ process: this.process.describe, bytes }, "imsg wrote an overlong stderr line"),
    );
    stderr.on("data", (chunk: Buffer | string) =>
      splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk),
    );
    stderr.on("end", () => splitter.end());
    stderr.on("error", () => {});
  }
}

function rpcLogger(logger: Logger): RpcLogger {
  return {
    error: (message) => logger.warn({ source: "vscode-jsonrpc" }, message),
    warn: (message) => logger.warn({ source: "vscode-jsonrpc" }, message),
    info: (message) => logger.debug({ source: "vscode-jsonrpc" }, message),
    log: (message) => logger.debug({ source: "vscode-jsonrpc" }, message),
  };
}
