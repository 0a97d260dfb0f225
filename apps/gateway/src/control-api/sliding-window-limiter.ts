/** Counts events in a rolling window and says when a limit is reached. */
export interface SlidingWindowLimiter {
  /** Whether another event is allowed now (does not record one). */
  allowed(): boolean;
  /** Records one event now. */
  record(): void;
}

/** A limiter allowing `limit` events per `windowMs`. */
export function createSlidingWindowLimiter(
  limit: number,
  windowMs: number,
  now: () => number = Date.now,
): SlidingWindowLimiter {
  const events: number[] = [];
  const prune = () => {
    const cutoff = now() - windowMs;
    while (events.length > 0 && events[0]! <= cutoff) events.shift();
  };
  return {
    allowed() {
      prune();
      return events.length < limit;
    },
    record() {
      prune();
      events.push(now());
    },
  };
}
