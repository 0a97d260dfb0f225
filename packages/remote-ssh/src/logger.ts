/**
 * Structured logger accepted by every imgate library (pino-compatible). Declared here because
 * `@imgate/imsg-rpc` does not export one and remote-ssh may not depend on channel-core.
 */
export interface Logger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/** Time source; libraries never read the clock directly. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** A logger that drops everything. */
export const nullLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
