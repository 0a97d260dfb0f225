import type { RestartOptions } from "./backoff.ts";
import type { ImsgCapabilities } from "./capabilities.ts";
import type { Clock, Timers } from "./clock.ts";
import type { StopOptions } from "./imsg-connection.ts";
import type { ImsgMethods } from "./imsg-method-facade.ts";
import type { ImsgWatch, WatchHandler, WatchOptions } from "./imsg-watch.ts";
import type { Logger } from "./logger.ts";
import type { NullIdError } from "./ndjson-message-reader.ts";
import type { ImsgRpcStats } from "./rpc-stats.ts";
import { SupervisedImsgClient } from "./supervised-imsg-client.ts";
import type { ImsgTransport } from "./transport.ts";

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
export interface ImsgClient extends ImsgMethods {
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
  /** Watches new messages across restarts; see {@link WatchOptions} and {@link WatchHandler}. */
  watch(options: WatchOptions, handler: WatchHandler): ImsgWatch;
}

/** Creates a supervised client; nothing runs until `start()`. */
export function createImsgClient(options: ImsgClientOptions): ImsgClient {
  return new SupervisedImsgClient(options);
}
