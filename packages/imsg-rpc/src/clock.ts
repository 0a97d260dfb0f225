/** Time source (structurally the `Clock` of `@imgate/channel-core`). */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Timer functions the supervisor schedules backoff, timeouts and stop escalation with. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Node's timers. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
