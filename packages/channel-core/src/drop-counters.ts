/**
 * Counts messages that did not reach an agent, by reason. The policy increments it for every drop
 * (and for pairing and mention-skipped outcomes); the gateway's metrics endpoint reads `snapshot()`.
 */
export interface DropCounters<R extends string = string> {
  /** Adds `by` (default 1) to the count for `reason`. */
  increment(reason: R, by?: number): void;
  /** A copy of the current counts; reasons never seen are absent. */
  snapshot(): Readonly<Record<string, number>>;
  /** Sum over all reasons. */
  total(): number;
}

/** Creates an in-memory {@link DropCounters}. */
export function createDropCounters<R extends string = string>(): DropCounters<R> {
  const counts = new Map<string, number>();
  return {
    increment(reason, by = 1) {
      counts.set(reason, (counts.get(reason) ?? 0) + by);
    },
    snapshot() {
      return Object.fromEntries(counts);
    },
    total() {
      let sum = 0;
      for (const value of counts.values()) sum += value;
      return sum;
    },
  };
}
