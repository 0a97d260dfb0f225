/**
 * The config file as the CLI sees it: where it is, its text (for in-place edits), its parsed value, and
 * — when a command needs it — the validated config and the state directory. Validation is the
 * gateway's; parsing uses the gateway's positional JSON5 reader (`@imgate/gateway/json5-document`) so
 * that edits can keep the file's layout.
 */
import { readFile } from "node:fs/promises";
import { Json5SyntaxError, parseJson5 } from "@imgate/gateway/json5-document";
import { ConfigError, type ConfigProblem } from "./cli-error.ts";
import { type ResolvedConfigPath, resolveConfigPath } from "./resolve-config-path.ts";

/** The config file read from disk (or its absence). */
export interface ConfigFile extends ResolvedConfigPath {
  /** Whether the file exists. A missing default file counts as an empty config. */
  exists: boolean;
  /** The file's text (`""` when missing). */
  text: string;
  /** The parsed JSON5 value (`{}` when missing). */
  raw: unknown;
}

/**
 * Reads and parses the config file. A missing file is an error when it was named explicitly
 * (`--config` or `IMGATE_CONFIG`), and an empty config when it is the default location.
 * @throws {ConfigError} `CLI_CONFIG_MISSING` or `CLI_CONFIG_PARSE` (exit 2).
 */
export async function readConfigFile(
  flag: string | undefined,
  options: { allowMissing?: boolean } = {},
): Promise<ConfigFile> {
  const resolved = resolveConfigPath(flag);
  let text: string;
  try {
    text = await readFile(resolved.path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new ConfigError(
        "CLI_CONFIG_MISSING",
        `Cannot read the config file ${resolved.path} (${(error as Error).message}); check its permissions.`,
        { cause: error },
      );
    }
    if (resolved.source !== "default" && !options.allowMissing) {
      const via = resolved.source === "flag" ? "--config" : "IMGATE_CONFIG";
      throw new ConfigError(
        "CLI_CONFIG_MISSING",
        `Config file ${resolved.path} (from ${via}) does not exist; create it or point ${via} at an existing file.`,
      );
    }
    return { ...resolved, exists: false, text: "", raw: {} };
  }
  return { ...resolved, exists: true, text, raw: parseConfigText(text, resolved.path) };
}

/** Parses config text, turning a syntax error into a {@link ConfigError} that names the position. */
export function parseConfigText(text: string, path: string): unknown {
  if (text.trim() === "") return {};
  try {
    return parseJson5(text);
  } catch (error) {
    if (error instanceof Json5SyntaxError) {
      throw new ConfigError(
        "CLI_CONFIG_PARSE",
        `${path}:${error.line}:${error.column}: ${error.message.replace(/ at line.*$/, "")}; fix the JSON5 syntax there.`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** The validated config (the gateway's type, defaults applied). */
export type ValidConfig = import("@imgate/gateway").GatewayConfig;

/**
 * Result of {@link checkConfig}. `warnings` are the lines the gateway also logs at start (one naming the
 * original gateway's keys that imgate ignores, `ignoredKeys` their paths).
 */
export type ConfigCheck = ({ ok: true; config: ValidConfig } | { ok: false; problems: ConfigProblem[] }) & {
  warnings: string[];
  ignoredKeys: string[];
};

/** Validates a parsed config with the gateway's rules; never throws for invalid input. */
export async function checkConfig(raw: unknown): Promise<ConfigCheck> {
  const { validateGatewayConfig, formatConfigWarnings } = await import("@imgate/gateway");
  const result = validateGatewayConfig(raw);
  const notes = {
    warnings: formatConfigWarnings(result.warnings),
    ignoredKeys: result.warnings.filter((w) => w.code === "original-gateway-key").map((w) => w.path),
  };
  if (result.ok) return { ok: true, config: result.config, ...notes };
  return {
    ok: false,
    problems: result.issues.map((issue) => ({ path: issue.path || "(root)", message: issue.message })),
    ...notes,
  };
}

/** Formats problems as the one-sentence error plus one indented line per key path. */
export function invalidConfigError(
  file: string,
  problems: readonly ConfigProblem[],
  what = "is invalid",
): ConfigError {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more below)` : "";
  const head = first ? `${first.path}: ${first.message}` : "invalid";
  const lines = problems.map((problem) => `  ${problem.path}: ${problem.message}`).join("\n");
  return new ConfigError(
    "CLI_CONFIG_INVALID",
    `${file} ${what}: ${head}${more}; fix that key and run \`imgate config validate\`.${problems.length > 1 ? `\n${lines}` : ""}`,
    { problems },
  );
}

/** A config file that parsed and validated, with the state directory it implies. */
export interface LoadedConfig {
  file: ConfigFile;
  config: ValidConfig;
  /** `IMGATE_STATE_DIR`, else `gateway.stateDir`, else `~/.imgate`. */
  stateDir: string;
}

/**
 * Reads, parses and validates the config for a command.
 * @throws {ConfigError} exit 2, naming the offending key paths.
 */
export async function loadConfig(flag: string | undefined): Promise<LoadedConfig> {
  const file = await readConfigFile(flag);
  const check = await checkConfig(file.raw);
  if (!check.ok) throw invalidConfigError(file.path, check.problems);
  // The gateway's own rule, so the CLI and a running gateway always agree on the state directory.
  const { resolveStateDir } = await import("@imgate/gateway");
  const stateDir = resolveStateDir(process.env, check.config, file.path);
  return { file, config: check.config, stateDir };
}
