/**
 * Validation of `channels.imessage` with issues that name the full key path and, for misspelt keys,
 * the nearest valid key. Also enforces the cross-key rule that `dmPolicy: "open"` needs `"*"` in the
 * account's EFFECTIVE `allowFrom` (after the top-level → account merge, decision Q1).
 */
import { formatConfigKeyPath } from "@imgate/channel-core";
import type { z } from "zod";
import { type ImessageSectionConfig, imessageSectionSchema } from "./config-schema.ts";
import { type ConfigIssue, ImessageConfigError } from "./imessage-errors.ts";
import { listAccountKeys, mergeAccountConfig } from "./resolve-accounts.ts";
import { suggestKey, unknownKeyMessage } from "./suggest-key.ts";

/** Options of {@link validateImessageConfig}. */
export interface ValidateConfigOptions {
  /** Key path of the section in the whole file, used as the prefix of every issue path. Default `channels.imessage`. */
  path?: string;
}

/** Result of {@link checkImessageConfig}. */
export type ConfigCheckResult =
  | { ok: true; config: ImessageSectionConfig }
  | { ok: false; issues: ConfigIssue[] };

/** Joins a key path after `prefix`: channel-core's one formatter (`formatConfigKeyPath`). */
export function formatKeyPath(prefix: string, path: readonly PropertyKey[]): string {
  return formatConfigKeyPath(path, prefix);
}

type AnySchema = z.core.$ZodType;

/** The keys a strict object accepts at `path` within `schema` (empty when the path does not lead to one). */
function validKeysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let current: AnySchema | undefined = schema;
  const unwrap = (s: AnySchema): AnySchema => {
    let node = s;
    for (;;) {
      const def = node._zod.def as { type: string; innerType?: AnySchema };
      if ((def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType) {
        node = def.innerType;
      } else return node;
    }
  };
  for (const part of path) {
    if (!current) return [];
    const node = unwrap(current);
    const def = node._zod.def as {
      type: string;
      shape?: Record<string, AnySchema>;
      valueType?: AnySchema;
      element?: AnySchema;
    };
    if (def.type === "object" && def.shape) current = def.shape[String(part)];
    else if (def.type === "record") current = def.valueType;
    else if (def.type === "array") current = def.element;
    else return [];
  }
  if (!current) return [];
  const def = unwrap(current)._zod.def as { type: string; shape?: Record<string, AnySchema> };
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function toIssues(prefix: string, issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const valid = validKeysAt(imessageSectionSchema, issue.path);
      for (const key of issue.keys) {
        const hint = suggestKey(key, valid);
        out.push({
          path: formatKeyPath(prefix, [...issue.path, key]),
          message: unknownKeyMessage({ suggestion: hint, valid }),
        });
      }
    } else if (issue.code === "invalid_union" && issue.path.length > 0) {
      out.push({ path: formatKeyPath(prefix, issue.path), message: "must be a string or a number" });
    } else {
      out.push({ path: formatKeyPath(prefix, issue.path), message: issue.message });
    }
  }
  return out;
}

function openPolicyIssues(prefix: string, section: ImessageSectionConfig): ConfigIssue[] {
  const keys = listAccountKeys(section);
  const targets: Array<string | undefined> = keys.length === 0 ? [undefined] : keys;
  const byPath = new Map<string, ConfigIssue>();
  for (const key of targets) {
    const account = key === undefined ? undefined : section.accounts?.[key];
    const merged = mergeAccountConfig(section, account);
    if (merged.dmPolicy !== "open") continue;
    if ((merged.allowFrom ?? []).some((entry) => String(entry).trim() === "*")) continue;
    // Blame the account when it set either key itself; otherwise the top level is at fault.
    const ownsIt = key !== undefined && (account?.allowFrom !== undefined || account?.dmPolicy !== undefined);
    const path = formatKeyPath(prefix, ownsIt ? ["accounts", key, "allowFrom"] : ["allowFrom"]);
    byPath.set(path, {
      path,
      message: 'dmPolicy "open" requires "*" in allowFrom; add "*" or use dmPolicy "pairing" or "allowlist"',
    });
  }
  return [...byPath.values()];
}

/** Validates a `channels.imessage` section and returns every issue instead of throwing. */
export function checkImessageConfig(input: unknown, options: ValidateConfigOptions = {}): ConfigCheckResult {
  const prefix = options.path ?? "channels.imessage";
  const parsed = imessageSectionSchema.safeParse(input ?? {});
  if (!parsed.success) return { ok: false, issues: toIssues(prefix, parsed.error.issues) };
  const issues = openPolicyIssues(prefix, parsed.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config: parsed.data };
}

/**
 * Validates a `channels.imessage` section (`undefined` counts as an empty section).
 * @throws {ImessageConfigError} listing each issue with its key path.
 */
export function validateImessageConfig(
  input: unknown,
  options: ValidateConfigOptions = {},
): ImessageSectionConfig {
  const result = checkImessageConfig(input, options);
  if (!result.ok) throw new ImessageConfigError(result.issues);
  return result.config;
}
