import { redactSecretFields } from "@imgate/channel-core";
import pino from "pino";
import type { PrettyPrinter } from "./load-pretty-printer.ts";
import { createSecretScrubber } from "./redact-secrets.ts";

/** Where log lines go: anything with `write(line)` (pino's `DestinationStream`). */
export interface LogDestination {
  write(line: string): void;
}

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Minimum level: `trace`, `debug`, `info` (default), `warn`, `error`, `fatal` or `silent`. */
  level?: string;
  /**
   * Formats each (already redacted) JSON line for humans, e.g. `await loadPrettyPrinter(…)` when stdout is
   * a TTY. JSON lines when absent.
   */
  prettify?: PrettyPrinter;
  /** Where lines go; default stdout. */
  destination?: LogDestination;
  /**
   * Secret values (API keys, tokens, passphrases) to scrub from every line wherever they appear,
   * including messages and error stacks. Secret-named fields are redacted regardless.
   */
  secrets?: readonly string[];
}

/** The gateway's logger: a pino logger (structurally the `Logger` every imgate library accepts). */
export type GatewayLogger = pino.Logger;

/**
 * Creates the gateway's pino logger: JSON lines, or lines formatted by `prettify`, with secrets redacted twice over: fields named like token/secret/apiKey/passphrase/password/
 * authorization at any depth, and the literal `secrets` values plus `Bearer …` credentials in the
 * serialised line.
 */
export function createLogger(options: CreateLoggerOptions = {}): GatewayLogger {
  const scrub = createSecretScrubber(options.secrets ?? []);
  const sink: LogDestination = options.destination ?? process.stdout;
  const { prettify } = options;
  const destination = {
    write: (line: string) => {
      const clean = scrub(line);
      sink.write(prettify ? prettify(clean) : clean);
    },
  };
  return pino(
    {
      level: options.level ?? "info",
      base: { name: "imgate" },
      formatters: {
        log: (object) => redactSecretFields(object) as Record<string, unknown>,
        bindings: (bindings) => redactSecretFields(bindings) as Record<string, unknown>,
      },
    },
    destination,
  );
}
