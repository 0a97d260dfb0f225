/** How the client restarts imsg after it exits or fails to start. */
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
    initialDelayMs: options.initialDelayMs ?? 1000,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    factor: options.factor ?? 2,
    jitter: options.jitter ?? 0.2,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
    stableAfterMs: options.stableAfterMs ?? 30_000,
  };
}

/** Delay before retry number `attempt` (1-based): exponential, capped, plus jitter (never below the base). */
export function backoffDelay(attempt: number, options: ResolvedRestartOptions, random: () => number): number {
  const exponential = options.initialDelayMs * options.factor ** Math.max(0, attempt - 1);
  const base = Math.min(Math.max(options.maxDelayMs, options.initialDelayMs), exponential);
  return Math.round(base * (1 + options.jitter * random()));
}
