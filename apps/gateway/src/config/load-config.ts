import { readFile } from "node:fs/promises";
import JSON5 from "json5";
import { GatewayErrorCode } from "../errors/gateway-error.ts";
import { ConfigError } from "./config-error.ts";
import type { ConfigWarning } from "./config-warning.ts";
import type { GatewayConfig } from "./gateway-config-schema.ts";
import { checkedGatewayConfig } from "./parse-gateway-config.ts";

/** A config file read from disk: where it came from, its raw value, and the validated config. */
export interface LoadedConfig {
  /** The file that was read. */
  path: string;
  /** The parsed JSON5 value, before validation and defaults (what `config get/set` edit). */
  raw: unknown;
  /** The validated config with defaults applied. */
  config: GatewayConfig;
  /** What the file holds but imgate ignores (print with `formatConfigWarnings`). */
  warnings: ConfigWarning[];
}

/**
 * Reads the JSON5 file at `path` (the caller resolves `--config` / `IMGATE_CONFIG`) and returns it
 * parsed and validated; {@link readConfigFile} reads without validating.
 * @throws {ConfigError} `CONFIG_NOT_FOUND`, `CONFIG_SYNTAX` or `CONFIG_INVALID`.
 */
export async function loadConfig(options: { path: string }): Promise<LoadedConfig> {
  const raw = await readConfigFile(options);
  return { path: options.path, raw, ...checkedGatewayConfig(raw, { source: options.path }) };
}

/**
 * Reads and parses the JSON5 file at `path` without validating it.
 * @throws {ConfigError} `CONFIG_NOT_FOUND` or `CONFIG_SYNTAX`.
 */
export async function readConfigFile(options: { path: string }): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(options.path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new ConfigError(
        GatewayErrorCode.ConfigNotFound,
        `No config file at ${options.path}; create one (e.g. \`imgate config set channels.imessage.enabled true\`) or point --config / IMGATE_CONFIG at an existing file.`,
        { source: options.path, cause: error },
      );
    }
    throw new ConfigError(
      GatewayErrorCode.ConfigNotFound,
      `Cannot read the config file ${options.path} (${code ?? String(error)}); check its permissions.`,
      { source: options.path, cause: error },
    );
  }
  // An empty file means "all defaults", the same verdict as `imgate config validate` and `imgate doctor`.
  if (text.trim() === "") return {};
  try {
    return JSON5.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^JSON5: /, "") : String(error);
    throw new ConfigError(
      GatewayErrorCode.ConfigSyntax,
      `The config file ${options.path} is not valid JSON5 (${detail}); fix the syntax at that position.`,
      { source: options.path, cause: error },
    );
  }
}
