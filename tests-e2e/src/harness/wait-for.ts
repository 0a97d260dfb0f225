import { waitFor as pollUntil } from "@imgate/imsg-sim/testing";

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/**
 * Polls `fn` until it returns a truthy value, and returns that value; throws `timed out waiting for <what>`
 * after `timeoutMs`. An options-object adapter over imsg-sim's testing `waitFor` (which also accepts 0 and "").
 */
export function waitFor<T>(fn: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  return pollUntil(
    async () => (await fn()) || undefined,
    options.what ?? "a condition",
    options.timeoutMs ?? 20_000,
  ) as Promise<NonNullable<T>>;
}
