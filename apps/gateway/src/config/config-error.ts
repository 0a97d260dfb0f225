import { GatewayError, type GatewayErrorCode } from "../errors/gateway-error.ts";
import type { ConfigIssue } from "./config-issue.ts";

/** A config file that is missing, unreadable, invalid or cannot be written. `issues` lists every bad key path. */
export class ConfigError extends GatewayError {
  /** Every problem found, by key path (empty for missing or unparsable files). */
  readonly issues: readonly ConfigIssue[];
  /** The file the config came from, when it came from a file. */
  readonly source: string | undefined;

  constructor(
    code:
      | typeof GatewayErrorCode.ConfigNotFound
      | typeof GatewayErrorCode.ConfigSyntax
      | typeof GatewayErrorCode.ConfigInvalid
      | typeof GatewayErrorCode.ConfigWrite,
    message: string,
    options: { issues?: readonly ConfigIssue[]; source?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.name = "ConfigError";
    this.issues = options.issues ?? [];
    this.source = options.source;
  }
}

/** Returns true for a {@link ConfigError}. */
export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}
