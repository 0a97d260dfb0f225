/**
 * The one backoff formula of imgate (imsg restarts, SSH reconnects, agent retries): retry number `n`
 * (1-based) waits `initialMs · factor^(n−1)`, capped at `maxMs`, stretched by up to `jitter` of itself
 * (never shortened). Defaults, stated once: 1 s, capped at 30 s, doubling, up to 20 % stretch.
 */
export interface BackoffOptions {
  /** First retry delay in ms (default 1000: never a hot loop). */
  initialMs?: number;
  /** Upper bound of the exponential part in ms (default 30 000; never below `initialMs`). */
  maxMs?: number;
  /** Growth per consecutive failure (default 2). */
  factor?: number;
  /** Random stretch as a fraction of the delay, 0–1 (default 0.2), so many clients do not retry in step. */
  jitter?: number;
}

/** The defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>> = {
  initialMs: 1000,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
};

/** Delay before retry number `attempt` (1-based), by the formula of {@link BackoffOptions}. `random` returns [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const initial = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const max = Math.max(options.maxMs ?? DEFAULT_BACKOFF.maxMs, initial);
  const factor = options.factor ?? DEFAULT_BACKOFF.factor;
  const jitter = options.jitter ?? DEFAULT_BACKOFF.jitter;
  const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + jitter * random()));
}

/** How the client restarts imsg after it exits or fails to start ({@link backoffDelay}'s formula and defaults). */
export interface RestartOptions {
  /** Delay before the first retry (default 1000 ms; never less, jitter only adds). */
  initialDelayMs?: number;
  /** Upper bound of the exponential part (default 30 000 ms). */
  maxDelayMs?: number;
  /** Growth per consecutive failure (default 2). */
  factor?: number;
  /** Random extra of up to this fraction of the delay (default 0.2), so many accounts do not retry in step. */
  jitter?: number;
  /** Consecutive failed starts before the client gives up with status `failed` (default: never). */
  maxAttempts?: number;
  /** A process that stayed ready this long resets the failure count (default 30 000 ms). */
  stableAfterMs?: number;
}

/** {@link RestartOptions} with every default filled in. */
export type ResolvedRestartOptions = Required<RestartOptions>;

/** Fills in the defaults of {@link RestartOptions}. */
export function resolveRestartOptions(options: RestartOptions = {}): ResolvedRestartOptions {
  return {
    initialDelayMs: options.initialDelayMs ?? DEFAULT_BACKOFF.initialMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_BACKOFF.maxMs,
    factor: options.factor ?? DEFAULT_BACKOFF.factor,
    jitter: options.jitter ?? DEFAULT_BACKOFF.jitter,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
    stableAfterMs: options.stableAfterMs ?? 30_000,
  };
}

/** Delay before restart number `attempt` (1-based) with the client's {@link RestartOptions}. */
export function restartDelay(attempt: number, options: ResolvedRestartOptions, random: () => number): number {
  const { initialDelayMs: initialMs, maxDelayMs: maxMs, factor, jitter } = options;
  return backoffDelay(attempt, { initialMs, maxMs, factor, jitter }, random);
}
