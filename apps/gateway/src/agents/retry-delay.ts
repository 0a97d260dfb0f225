import { backoffDelay as sharedBackoffDelay } from "@imgate/imsg-rpc";

/**
 * Parses an HTTP `Retry-After` header (delta-seconds or an HTTP date) into milliseconds from `nowMs`;
 * undefined when absent or unparsable.
 */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * The agents' retry delay, by imsg-rpc's one backoff formula: attempt `n` (0-based) waits between half and
 * all of `min(maxMs, baseMs · 2^n)` — the shared formula started at half the base and cap, with a 100 %
 * stretch.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  return sharedBackoffDelay(
    attempt + 1,
    { initialMs: baseMs / 2, maxMs: maxMs / 2, factor: 2, jitter: 1 },
    random,
  );
}
