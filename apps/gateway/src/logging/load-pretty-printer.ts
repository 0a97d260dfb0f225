/** Turns one JSON log line into a human-readable one. */
export type PrettyPrinter = (line: string) => string;

/**
 * Loads pino-pretty and returns its line formatter. Loaded on demand (a TTY, or a caller that asks): a
 * gateway logging JSON to a pipe or a service manager never needs it, so it does not pay for its modules.
 */
export async function loadPrettyPrinter(options: { colorize: boolean }): Promise<PrettyPrinter> {
  const { prettyFactory } = await import("pino-pretty");
  return prettyFactory({ colorize: options.colorize });
}
