/**
 * The CLI's error family. Every error carries a stable `code`, the process exit code it maps to, and a
 * message that is one sentence naming the fix.
 */

/** Process exit codes of `imgate` (fixed by DESIGN.md). */
export const ExitCode = {
  /** Success. */
  ok: 0,
  /** The operation failed (peer unreachable, nothing matched, a check failed). */
  failure: 1,
  /** Bad command line or invalid config. */
  usage: 2,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable machine-readable codes of {@link CliError}. */
export type CliErrorCode =
  | "CLI_USAGE"
  | "CLI_CONFIG_INVALID"
  | "CLI_CONFIG_MISSING"
  | "CLI_CONFIG_PARSE"
  | "CLI_NOT_FOUND"
  | "CLI_GATEWAY_UNREACHABLE"
  | "CLI_IMSG_FAILED"
  | "CLI_FAILED";

/** Base class of every error the CLI reports; `exitCode` says how the process ends. */
export class CliError extends Error {
  /** Stable code; match on it, not on the message. */
  readonly code: CliErrorCode;
  /** Exit code the process ends with when this error reaches the top. */
  readonly exitCode: ExitCodeValue;

  constructor(
    code: CliErrorCode,
    message: string,
    options: { exitCode?: ExitCodeValue; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "CliError";
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }
}

/** A bad command line (unknown option, missing argument, malformed value): exit 2. */
export class UsageError extends CliError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("CLI_USAGE", message, { exitCode: ExitCode.usage, cause: options.cause });
    this.name = "UsageError";
  }
}

/** One problem in the config file, located by its dotted key path. */
export interface ConfigProblem {
  /** Dotted key path from the config root, e.g. `channels.imessage.dmPolicy`. */
  path: string;
  /** What is wrong and, when known, what to write instead. */
  message: string;
}

/** The config file is missing, unparsable or invalid: exit 2, naming the offending key paths. */
export class ConfigError extends CliError {
  /** Every problem found (empty for missing or unparsable files). */
  readonly problems: readonly ConfigProblem[];

  constructor(
    code: "CLI_CONFIG_INVALID" | "CLI_CONFIG_MISSING" | "CLI_CONFIG_PARSE",
    message: string,
    options: { problems?: readonly ConfigProblem[]; cause?: unknown } = {},
  ) {
    super(code, message, { exitCode: ExitCode.usage, cause: options.cause });
    this.name = "ConfigError";
    this.problems = options.problems ?? [];
  }
}

/** Turns anything thrown into a message for stderr and an exit code. */
export function describeFailure(error: unknown): { message: string; exitCode: ExitCodeValue } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  const message = error instanceof Error ? error.message : String(error);
  return { message, exitCode: ExitCode.failure };
}

/** The `--json` form of an error: `{"error": {"code", "message"}}` (plus `problems` for a bad config). */
export interface JsonErrorDocument {
  error: { code: string; message: string; problems?: readonly ConfigProblem[] };
}

/** Builds the {@link JsonErrorDocument} of anything thrown; the code is `CLI_FAILED` for unknown errors. */
export function jsonErrorDocument(error: unknown): JsonErrorDocument {
  if (error instanceof ConfigError && error.problems.length > 0) {
    return { error: { code: error.code, message: error.message, problems: error.problems } };
  }
  if (error instanceof CliError) return { error: { code: error.code, message: error.message } };
  return { error: { code: "CLI_FAILED", message: describeFailure(error).message } };
}
