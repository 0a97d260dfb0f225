import type { Clock, Logger } from "@imgate/imsg-rpc";

/**
 * remote-ssh uses imsg-rpc's `Logger` (pino-compatible `{debug,info,warn,error}(fields, msg)`) and `Clock`
 * (`now()`), so one logger and clock serve both layers.
 */
export type { Clock, Logger };

/** A logger that drops everything. */
export const nullLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
