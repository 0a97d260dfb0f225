import type { Clock } from "@imgate/channel-core";
import { abortableSleep } from "../agents/abortable-sleep.ts";
import { classifyAgentFailure } from "../agents/agent-error.ts";
import type { AgentReply } from "../agents/agent-turn.ts";
import { backoffDelay } from "../agents/retry-delay.ts";

/** First wait between attempts of a failing turn (doubling per attempt, with jitter). */
export const TURN_RETRY_BASE_MS = 1_000;
/** Longest wait between attempts of a failing turn. */
export const TURN_RETRY_MAX_MS = 60_000;

/** Why a turn was given up: the retry window closed, or the failure cannot be fixed by retrying. */
export type TurnGiveUpReason = "window" | "non-retryable";

/** How {@link driveTurn} ended. */
export type TurnOutcome =
  | { kind: "answered"; reply: AgentReply; attempts: number }
  | { kind: "given-up"; reason: TurnGiveUpReason; error: unknown; attempts: number }
  /** The gateway is stopping: the turn is resumed on the next start (pending record or replayed row). */
  | { kind: "stopped"; attempts: number };

/** Options of {@link driveTurn}. */
export interface DriveTurnOptions {
  /** One attempt: the agent backend's reply to the (unchanged) turn. Rejects with an `AgentError`. */
  call(): Promise<AgentReply>;
  /** When the message arrived (ms); retries end `retryMs` after it. */
  arrivedAt: number;
  /** `messages.agentRetryMs`. */
  retryMs: number;
  /** Attempts made before (a turn resumed after a restart); default 0. */
  attempts?: number;
  /** The last error of those attempts, for a resumed turn whose window closed while the gateway was down. */
  lastError?: string;
  /** No attempt before this time (ms): the backoff a resumed turn still owes. */
  notBefore?: number;
  clock: Clock;
  /** Aborted when the gateway stops taking work: a waiting retry ends at once (`stopped`). */
  stopSignal: AbortSignal;
  /** Every failed attempt (for logs and metrics), before the retry decision. */
  onFailure?(error: unknown, attempts: number): void;
  /** A retryable failure: the next attempt is due at `nextAttemptAt` (persist the turn here). */
  onRetryScheduled(retry: { error: unknown; attempts: number; nextAttemptAt: number }): void;
  /** Backoff of the retries; defaults {@link TURN_RETRY_BASE_MS} and {@link TURN_RETRY_MAX_MS}. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  /** Waits `ms` unless `signal` aborts first (rejects then); default a timer. Tests advance a clock. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Runs one agent turn to an outcome: the reply, a give-up, or a stop. A retryable failure (see
 * `classifyAgentFailure`) is retried with the agents' exponential backoff (`backoffDelay`) until
 * `retryMs` after the message's arrival, the last attempt landing on the window's end; a permanent one is
 * given up at once. The caller persists the turn on the first `onRetryScheduled` so a restart resumes it.
 */
export async function driveTurn(options: DriveTurnOptions): Promise<TurnOutcome> {
  const { clock, stopSignal } = options;
  const sleep = options.sleep ?? abortableSleep;
  const base = options.baseDelayMs ?? TURN_RETRY_BASE_MS;
  const max = options.maxDelayMs ?? TURN_RETRY_MAX_MS;
  const deadline = options.arrivedAt + Math.max(0, options.retryMs);
  let attempts = options.attempts ?? 0;

  // A resumed turn whose window closed while the gateway was down is not tried again (it would be stale).
  if (attempts > 0 && clock.now() >= deadline) {
    return { kind: "given-up", reason: "window", error: options.lastError, attempts };
  }
  const wait = async (until: number): Promise<boolean> => {
    const ms = Math.min(until, deadline) - clock.now();
    if (ms <= 0) return !stopSignal.aborted;
    try {
      await sleep(ms, stopSignal);
      return true;
    } catch {
      return false;
    }
  };
  if (options.notBefore !== undefined && !(await wait(options.notBefore)))
    return { kind: "stopped", attempts };

  for (;;) {
    if (stopSignal.aborted) return { kind: "stopped", attempts };
    try {
      const reply = await options.call();
      return { kind: "answered", reply, attempts: attempts + 1 };
    } catch (error) {
      const failure = classifyAgentFailure(error);
      if (failure === "aborted") return { kind: "stopped", attempts };
      attempts += 1;
      options.onFailure?.(error, attempts);
      if (failure === "permanent") return { kind: "given-up", reason: "non-retryable", error, attempts };
      const now = clock.now();
      if (now >= deadline) return { kind: "given-up", reason: "window", error, attempts };
      const delay = Math.min(backoffDelay(attempts - 1, base, max, options.random), deadline - now);
      const nextAttemptAt = now + delay;
      options.onRetryScheduled({ error, attempts, nextAttemptAt });
      if (!(await wait(nextAttemptAt))) return { kind: "stopped", attempts };
    }
  }
}
