import { waitFor as pollUntil } from "@imgate/remote-ssh/testing";

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/**
 * Polls `fn` (every 20 ms) until it returns a truthy value, and returns that value; throws
 * `timed out waiting for: <what>` after `timeoutMs`. A thin adapter over remote-ssh's testing `waitFor`.
 */
export function waitFor<T>(fn: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  return pollUntil(fn, options.what ?? "a condition", options.timeoutMs ?? 20_000);
}
