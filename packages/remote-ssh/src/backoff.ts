/** Reconnect backoff: `initialMs · factor^(n−1)`, capped at `maxMs`, stretched by up to `jitter` (never shortened). */
export interface BackoffOptions {
  /** First retry delay in ms (default 1000: never a hot loop). */
  initialMs?: number;
  /** Upper bound in ms (default 60000). */
  maxMs?: number;
  /** Growth per consecutive failure (default 2). */
  factor?: number;
  /** Random stretch as a fraction of the delay, 0–1 (default 0.2). */
  jitter?: number;
}

/** Delay before retry number `failures` (1-based). `random` returns [0, 1). */
export function backoffDelay(failures: number, options: BackoffOptions = {}, random = Math.random): number {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 60_000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.2;
  const base = Math.min(max, initial * factor ** Math.max(0, failures - 1));
  return Math.round(base * (1 + jitter * random()));
}
