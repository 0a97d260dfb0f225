/**
 * `imgate config validate | show | get | set | unset | schema`. Edits splice the JSON5 text in place
 * (comments and layout survive), are validated before they are written, and are refused when the
 * result would be invalid.
 */

import { redactSecretFields } from "@imgate/channel-core";
import {
  formatJson5KeyPath,
  getAtPath,
  Json5EditError,
  type PathSegment,
  parseJson5,
  parseKeyPath,
  setJson5Value,
  unsetJson5Value,
} from "@imgate/gateway/json5-document";
import { z } from "zod";
import {
  type ConfigFile,
  checkConfig,
  invalidConfigError,
  parseConfigText,
  readConfigFile,
} from "../cli-config.ts";
import { CliError, ConfigError, ExitCode, UsageError } from "../cli-error.ts";
import { writeJson, writeLines } from "../output.ts";

const baseOptions = z.object({ config: z.string().optional(), json: z.boolean().optional() });

function keyPath(path: string): PathSegment[] {
  try {
    return parseKeyPath(path);
  } catch (error) {
    // The parser's message already names the path and shows a well-formed one.
    throw new UsageError((error as Error).message);
  }
}

async function requireFile(flag: string | undefined): Promise<ConfigFile> {
  const file = await readConfigFile(flag);
  if (!file.exists) {
    throw new ConfigError(
      "CLI_CONFIG_MISSING",
      `No config file at ${file.path}; create one (e.g. \`imgate config set channels.imessage.enabled true\`) or pass --config.`,
    );
  }
  return file;
}

/** `imgate config validate [--json]`: exit 0 when valid, 2 with every bad key path otherwise. */
export async function runConfigValidate(rawOptions: unknown): Promise<number> {
  const options = baseOptions.parse(rawOptions);
  let file: ConfigFile;
  try {
    file = await requireFile(options.config);
  } catch (error) {
    if (options.json && error instanceof ConfigError) {
      writeJson({ valid: false, path: undefined, problems: [{ path: "(file)", message: error.message }] });
      return error.exitCode;
    }
    throw error;
  }
  const check = await checkConfig(file.raw);
  if (options.json) {
    writeJson({
      valid: check.ok,
      path: file.path,
      problems: check.ok ? [] : check.problems,
      warnings: check.warnings,
      ignoredKeys: check.ignoredKeys,
    });
    return check.ok ? ExitCode.ok : ExitCode.usage;
  }
  for (const warning of check.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (!check.ok) throw invalidConfigError(file.path, check.problems);
  writeLines([
    file.text.trim() === "" ? `${file.path} is valid (empty: all defaults apply).` : `${file.path} is valid.`,
  ]);
  return ExitCode.ok;
}

/** `imgate config show [--json]`: the config with defaults applied and secrets redacted. */
export async function runConfigShow(rawOptions: unknown): Promise<number> {
  const options = baseOptions.parse(rawOptions);
  const file = await readConfigFile(options.config);
  const check = await checkConfig(file.raw);
  if (!check.ok) throw invalidConfigError(file.path, check.problems);
  const shown = redactSecretFields(check.config);
  if (options.json) writeJson(shown);
  else {
    process.stderr.write(`# ${file.exists ? file.path : `${file.path} (missing: defaults only)`}\n`);
    writeJson(shown);
  }
  return ExitCode.ok;
}

function printValue(value: unknown, json: boolean | undefined): void {
  if (!json && (typeof value === "string" || typeof value === "number" || typeof value === "boolean")) {
    writeLines([String(value)]);
  } else {
    writeJson(value);
  }
}

/** `imgate config get <path> [--json]`: the value as written, else its default; exit 1 when unset. */
export async function runConfigGet(path: string, rawOptions: unknown): Promise<number> {
  const options = baseOptions.parse(rawOptions);
  const segments = keyPath(path);
  const file = await readConfigFile(options.config);
  const written = getAtPath(file.raw, segments);
  if (written.found) {
    printValue(written.value, options.json);
    return ExitCode.ok;
  }
  const check = await checkConfig(file.raw);
  if (check.ok) {
    const effective = getAtPath(check.config, segments);
    if (effective.found && effective.value !== undefined) {
      printValue(effective.value, options.json);
      return ExitCode.ok;
    }
  }
  const shown = formatJson5KeyPath(segments);
  const unknown = await unknownKeyProblem(file, segments);
  if (unknown) {
    // `config set` would refuse this path, so do not suggest it.
    throw new CliError(
      "CLI_NOT_FOUND",
      `${unknown.path} is not a config key (${unknown.message}); \`imgate config schema\` lists every key.`,
    );
  }
  throw new CliError(
    "CLI_NOT_FOUND",
    `${shown} is not set in ${file.path} and has no default; set it with \`imgate config set ${shown} <value>\`.`,
  );
}

/**
 * The "unknown key" problem the config would have if `segments` were written (checked by writing a
 * placeholder and validating, so it is exactly the rule `config set` applies); undefined for a known key.
 */
async function unknownKeyProblem(
  file: ConfigFile,
  segments: PathSegment[],
): Promise<{ path: string; message: string } | undefined> {
  let probe: string;
  try {
    probe = setJson5Value(file.text, segments, null);
  } catch {
    return undefined;
  }
  let raw: unknown;
  try {
    raw = parseConfigText(probe, file.path);
  } catch {
    return undefined;
  }
  const check = await checkConfig(raw);
  if (check.ok) return undefined;
  const shown = formatJson5KeyPath(segments);
  return check.problems.find(
    (problem) =>
      problem.message.startsWith("unknown key") &&
      (shown === problem.path ||
        shown.startsWith(`${problem.path}.`) ||
        shown.startsWith(`${problem.path}[`)),
  );
}

/**
 * Parses a command-line value as a JSON5 literal; anything that is not one is taken as a string. A leading `+`
 * keeps it a string although JSON5 reads `+15550001111` as a number: on this command line that is a phone
 * number (a handle for `allowFrom`), never a signed number.
 */
export function parseValueArgument(text: string): unknown {
  if (text.trimStart().startsWith("+")) return text.trim();
  try {
    return parseJson5(text);
  } catch {
    return text;
  }
}

async function applyEdit(file: ConfigFile, next: string, what: string): Promise<void> {
  const check = await checkConfig(parseConfigText(next, file.path));
  if (!check.ok) {
    throw invalidConfigError(
      file.path,
      check.problems,
      `would be invalid after ${what}, so it was not changed`,
    );
  }
  const { writeFileAtomically } = await import("@imgate/gateway");
  await writeFileAtomically(file.path, next);
}

/** `imgate config set <path> <value>`: edits in place; refuses (exit 2) a result that does not validate. */
export async function runConfigSet(path: string, valueText: string, rawOptions: unknown): Promise<number> {
  const options = baseOptions.parse(rawOptions);
  const segments = keyPath(path);
  const file = await readConfigFile(options.config, { allowMissing: true });
  const value = parseValueArgument(valueText);
  let next: string;
  try {
    next = setJson5Value(file.text, segments, value);
  } catch (error) {
    if (error instanceof Json5EditError) {
      throw new UsageError(
        `Cannot set ${formatJson5KeyPath(segments)}: ${error.message}; choose a path inside an object.`,
      );
    }
    throw error;
  }
  await applyEdit(file, next, `setting ${formatJson5KeyPath(segments)}`);
  writeLines([`Set ${formatJson5KeyPath(segments)} = ${JSON.stringify(value)} in ${file.path}.`]);
  return ExitCode.ok;
}

/** `imgate config unset <path>`: removes the key in place; refuses (exit 2) a result that does not validate. */
export async function runConfigUnset(path: string, rawOptions: unknown): Promise<number> {
  const options = baseOptions.parse(rawOptions);
  const segments = keyPath(path);
  const file = await requireFile(options.config);
  const { text, removed } = unsetJson5Value(file.text, segments);
  if (!removed) {
    writeLines([`${formatJson5KeyPath(segments)} is not set in ${file.path}; nothing to remove.`]);
    return ExitCode.ok;
  }
  await applyEdit(file, text, `removing ${formatJson5KeyPath(segments)}`);
  writeLines([`Removed ${formatJson5KeyPath(segments)} from ${file.path}.`]);
  return ExitCode.ok;
}

/**
 * `imgate config schema`: the JSON Schema of the whole config file; with `--agent-reply`, the one of the
 * rich reply an `exec` command prints or a `webhook` answers.
 */
export async function runConfigSchema(options: { agentReply?: boolean } = {}): Promise<number> {
  if (options.agentReply) {
    const { agentReplyJsonSchema } = await import("@imgate/gateway");
    writeJson({ title: "imgate agent reply", ...agentReplyJsonSchema() });
    return ExitCode.ok;
  }
  const [{ gatewayConfigSchema }, channel, { z: zod }] = await Promise.all([
    import("@imgate/gateway"),
    import("@imgate/imessage-channel"),
    import("zod"),
  ]);
  const schema = zod.toJSONSchema(gatewayConfigSchema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, { properties?: Record<string, unknown> }>;
  };
  // The gateway accepts `channels.imessage` loosely and lets the channel validate it; show the channel's
  // own schema there so editors complete and check its keys.
  const imessageSchema = (channel as { imessageConfigJsonSchema?: () => Record<string, unknown> })
    .imessageConfigJsonSchema;
  const channels = schema.properties?.channels?.properties;
  if (channels && imessageSchema) {
    const { $schema: _drop, ...section } = imessageSchema();
    channels.imessage = section;
  }
  writeJson({ $schema: "https://json-schema.org/draft/2020-12/schema", title: "imgate config", ...schema });
  return ExitCode.ok;
}
