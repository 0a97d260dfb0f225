import { z } from "zod";
import type { JsonObject, JsonValue } from "./config-path.ts";
import {
  ConfigPathError,
  findForbiddenConfigKey,
  formatConfigPath,
  getConfigValue,
  parseConfigPath,
  setConfigValue,
  unsetConfigValue,
} from "./config-path.ts";
import { redactSecretFields } from "./redact-secrets.ts";

/**
 * A parsed chat command (behaviour reference §13). `help` is also what malformed or unknown commands
 * become, with `error` saying what was wrong.
 */
export type ChatCommand =
  | { name: "config"; action: "show"; path?: string }
  | { name: "config"; action: "set"; path: string; value: JsonValue }
  | { name: "config"; action: "unset"; path: string }
  | { name: "status" }
  | { name: "reset" }
  | { name: "help"; error?: string };

/** Longest accepted `/config set` value, in characters. */
export const MAX_CONFIG_VALUE_LENGTH = 10_000;

const configPathSchema = z
  .string()
  .min(1, "a config path is required")
  .superRefine((path, ctx) => {
    try {
      parseConfigPath(path);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
    }
  });

const chatCommandSchema = z.discriminatedUnion("name", [
  z.discriminatedUnion("action", [
    z.object({ name: z.literal("config"), action: z.literal("show"), path: configPathSchema.optional() }),
    z.object({
      name: z.literal("config"),
      action: z.literal("set"),
      path: configPathSchema,
      value: z.json(),
    }),
    z.object({ name: z.literal("config"), action: z.literal("unset"), path: configPathSchema }),
  ]),
  z.object({ name: z.literal("status") }),
  z.object({ name: z.literal("reset") }),
  z.object({ name: z.literal("help"), error: z.string().optional() }),
]);

/** The help text shown for `/help` and for malformed commands. */
export function chatCommandHelpText(): string {
  return [
    "Commands:",
    "/status — gateway and session status",
    "/reset — start a new session",
    "/config show [path] (alias: get) — show the config or one value",
    "/config set <path> <value> (or <path>=<value>; JSON or plain text) — change a value",
    "/config unset <path> — remove a value",
    "/help — this text",
  ].join("\n");
}

/**
 * Parses a chat command. Returns `undefined` when the text does not start with `/<word>`; an unknown
 * command or malformed arguments give `{ name: "help", error }`. Call it for texts the policy marked
 * as control commands.
 */
export function parseChatCommand(text: string): ChatCommand | undefined {
  const match = /^\/([A-Za-z][\w-]*)(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  const name = (match[1] as string).toLowerCase();
  const args = (match[2] ?? "").trim();
  let candidate: unknown;
  switch (name) {
    case "status":
    case "reset":
    case "help":
      candidate = args === "" ? { name } : { name: "help", error: `/${name} takes no arguments.` };
      break;
    case "config":
      candidate = parseConfigArgs(args);
      break;
    default:
      candidate = { name: "help", error: `Unknown command /${name}.` };
  }
  const parsed = chatCommandSchema.safeParse(candidate);
  if (parsed.success) return parsed.data as ChatCommand;
  return { name: "help", error: parsed.error.issues[0]?.message ?? "Invalid command." };
}

function parseConfigArgs(args: string): unknown {
  if (args === "") return { name: "config", action: "show" };
  const [verb = "", rest = ""] = splitFirstWord(args);
  switch (verb.toLowerCase()) {
    case "show":
    case "get":
      return rest === ""
        ? { name: "config", action: "show" }
        : { name: "config", action: "show", path: rest };
    case "unset":
      return { name: "config", action: "unset", path: rest };
    case "set": {
      const { path, value } = splitPathAndValue(rest);
      if (value === undefined) return { name: "help", error: "/config set needs a path and a value." };
      if (value.length > MAX_CONFIG_VALUE_LENGTH) {
        return { name: "help", error: `The value is longer than ${MAX_CONFIG_VALUE_LENGTH} characters.` };
      }
      const parsed = parseScalarOrJson(value);
      // Checked before zod copies the value: a copied "__proto__" key could turn into a prototype.
      const forbidden = findForbiddenConfigKey(parsed);
      if (forbidden) return { name: "help", error: `The value uses the reserved key ${forbidden}.` };
      return { name: "config", action: "set", path, value: parsed };
    }
    default:
      return { name: "help", error: `Unknown /config action "${verb}".` };
  }
}

function splitFirstWord(text: string): [string, string] {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  return [match?.[1] ?? "", (match?.[2] ?? "").trim()];
}

/** Splits `path value` or `path=value`; the path ends at whitespace or `=` outside brackets and quotes. */
function splitPathAndValue(text: string): { path: string; value?: string } {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      if (depth > 0) quote = ch;
    } else if (ch === "[") depth++;
    else if (ch === "]") depth = Math.max(0, depth - 1);
    else if (depth === 0 && (ch === "=" || /\s/.test(ch))) {
      const value = text.slice(i + 1).trim();
      return { path: text.slice(0, i), value: value === "" ? undefined : value };
    }
  }
  return { path: text };
}

/** JSON when it parses (`{"a":1}`, `true`, `42`, `"x"`), else the text itself. */
function parseScalarOrJson(value: string): JsonValue {
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    return value;
  }
}

/**
 * Config keys that may never be changed from chat because they change what the gateway executes or where
 * it connects. Supplied by the channel (e.g. iMessage's `cliPath`) and the gateway (agent `backend`s,
 * the `gateway` section): channel-core knows no config keys of its own.
 */
export interface ProtectedConfigKeys {
  /** Keys refused anywhere in a path (compared after Unicode NFKC, lower-casing and removing all but letters and digits). */
  keys: readonly string[];
  /** Top-level sections refused as a whole. */
  roots?: readonly string[];
}

const canonicalKey = (key: string) =>
  key
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");

/** {@link ProtectedConfigKeys} in canonical form, for lookups. */
interface ProtectedSets {
  keys: ReadonlySet<string>;
  roots: ReadonlySet<string>;
}

const protectedSets = (spec: ProtectedConfigKeys): ProtectedSets => ({
  keys: new Set(spec.keys.map(canonicalKey)),
  roots: new Set((spec.roots ?? []).map(canonicalKey)),
});

function findProtectedIn(segments: readonly string[], sets: ProtectedSets): string | undefined {
  const first = segments[0];
  if (first !== undefined && sets.roots.has(canonicalKey(first)))
    return formatConfigPath(segments.slice(0, 1));
  const index = segments.findIndex((key) => sets.keys.has(canonicalKey(key)));
  return index === -1 ? undefined : formatConfigPath(segments.slice(0, index + 1));
}

/**
 * Whether a config path may never be changed from chat: a `protectedKeys.keys` entry anywhere in the path,
 * or a path under one of `protectedKeys.roots`, whatever the spelling. Returns the offending path or
 * `undefined`.
 */
export function findProtectedConfigPath(
  segments: readonly string[],
  protectedKeys: ProtectedConfigKeys,
): string | undefined {
  return findProtectedIn(segments, protectedSets(protectedKeys));
}

/** Like {@link findProtectedConfigPath}, also looking at every key inside `value` (placed at `at`). */
function findProtectedWithin(
  at: readonly string[],
  value: JsonValue | undefined,
  sets: ProtectedSets,
): string | undefined {
  const own = findProtectedIn(at, sets);
  if (own) return own;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findProtectedWithin([...at, String(index)], item, sets);
      if (found) return found;
    }
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const found = findProtectedWithin([...at, key], item, sets);
      if (found) return found;
    }
  }
  // The root itself holds the protected roots: replacing or removing the root is covered by the key walk above.
  return undefined;
}

/** Reads and writes the config file for `/config`; implemented by the gateway. */
export interface ConfigAccessor {
  /** The current config as plain JSON (re-read for every command). */
  read(): JsonObject | Promise<JsonObject>;
  /** Validates and writes the whole config; an invalid result is reported, not written. */
  write(next: JsonObject): ConfigWriteResult | Promise<ConfigWriteResult>;
}

/** Result of {@link ConfigAccessor.write}. */
export type ConfigWriteResult = { ok: true } | { ok: false; path?: string; message: string };

/** Settings and capabilities for {@link runConfigCommand}. */
export interface ConfigCommandContext {
  accessor: ConfigAccessor;
  /** The sender is command-authorised (policy `commandAuthorized`); otherwise the command is ignored silently. */
  senderAuthorized: boolean;
  /** Config `commands.config === true`. */
  commandsConfigEnabled: boolean;
  /** The effective `configWrites` of the account (account value, then channel value) is not `false`. */
  configWritesEnabled: boolean;
  /** Channel name for messages, e.g. `imessage`. */
  channel: string;
  /** Config key to mention when writes are disabled; default `channels.<channel>.configWrites`. */
  configWritesKey?: string;
  /** Keys `/config set` and `/config unset` refuse (see {@link ProtectedConfigKeys}). */
  protectedKeys: ProtectedConfigKeys;
}

/** What to do after a `/config` command. */
export type ConfigCommandOutcome =
  | { kind: "ignored"; reason: "unauthorized" }
  | { kind: "reply"; text: string; changed: boolean };

/** Keys whose values are hidden in `/config show`. */

/**
 * Runs a parsed `/config` command against the accessor (§13, with imgate's protected keys). Never
 * throws for user mistakes: they become a reply.
 */
export async function runConfigCommand(
  command: Extract<ChatCommand, { name: "config" }>,
  context: ConfigCommandContext,
): Promise<ConfigCommandOutcome> {
  const reply = (text: string, changed = false): ConfigCommandOutcome => ({ kind: "reply", text, changed });
  if (!context.senderAuthorized) return { kind: "ignored", reason: "unauthorized" };
  if (!context.commandsConfigEnabled)
    return reply("⚠️ /config is disabled. Set commands.config=true to enable.");

  let segments: string[] = [];
  try {
    if (command.path !== undefined) segments = parseConfigPath(command.path);
  } catch (error) {
    return reply(`⚠️ ${error instanceof Error ? error.message : String(error)}`);
  }

  if (command.action !== "show") {
    if (!context.configWritesEnabled) {
      const key = context.configWritesKey ?? `channels.${context.channel}.configWrites`;
      return reply(`⚠️ Config writes are disabled for ${context.channel}. Set ${key}=true to enable.`);
    }
  }

  const current = await context.accessor.read();
  const label = formatConfigPath(segments);

  if (command.action === "show") {
    const value = segments.length === 0 ? current : getConfigValue(current, segments);
    if (value === undefined) return reply(`⚙️ No config value at ${label}.`);
    const shown = JSON.stringify(redactSecretFields(value), null, 2);
    return reply(segments.length === 0 ? `⚙️ Config:\n${shown}` : `⚙️ ${label} = ${shown}`);
  }

  const existing = getConfigValue(current, segments);
  const sets = protectedSets(context.protectedKeys);
  const refused =
    findProtectedWithin(segments, existing, sets) ??
    (command.action === "set" ? findProtectedWithin(segments, command.value, sets) : undefined);
  if (refused) {
    return reply(
      `⚠️ ${refused} cannot be changed from chat because it controls what imgate runs. Edit the config file or use \`imgate config set\` on the host.`,
    );
  }

  let next: JsonObject;
  try {
    if (command.action === "set") {
      next = setConfigValue(current, segments, command.value);
    } else {
      const { result, removed } = unsetConfigValue(current, segments);
      if (!removed) return reply(`⚙️ No config value at ${label}.`);
      next = result;
    }
  } catch (error) {
    if (error instanceof ConfigPathError) return reply(`⚠️ ${error.message}`);
    throw error;
  }

  const written = await context.accessor.write(next);
  if (!written.ok) {
    return reply(`⚠️ Config invalid after ${command.action} (${written.path ?? label}: ${written.message})`);
  }
  return command.action === "set"
    ? reply(`⚙️ Config updated: ${label}=${JSON.stringify(command.value)}`, true)
    : reply(`⚙️ Config updated: ${label} removed.`, true);
}
