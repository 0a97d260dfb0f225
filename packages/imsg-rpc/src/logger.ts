/**
 * The logger shape imsg-rpc accepts: pino-compatible and structurally identical to the one in
 * `@imgate/channel-core`, declared here so this package depends on nothing above it.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A logger that discards everything: the default when the caller passes none. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
