import { checkImessageConfig } from "@imgate/imessage-channel";
import { GatewayErrorCode } from "../errors/gateway-error.ts";
import { ConfigError } from "./config-error.ts";
import { type ConfigIssue, formatConfigIssues, toConfigIssues } from "./config-issue.ts";
import type { ConfigWarning } from "./config-warning.ts";
import { type GatewayConfig, gatewayConfigSchema } from "./gateway-config-schema.ts";
import { stripOriginalGatewayKeys } from "./original-gateway-keys.ts";

/**
 * The result of {@link validateGatewayConfig}: the config, or every issue found; `warnings` either way
 * (keys of the original gateway's config that imgate ignores).
 */
export type ConfigValidation =
  | { ok: true; config: GatewayConfig; warnings: ConfigWarning[] }
  | { ok: false; issues: ConfigIssue[]; warnings: ConfigWarning[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validates an already-parsed config value without throwing (for `imgate config validate`). The
 * `channels.imessage` section is validated by `@imgate/imessage-channel`'s own schema; its issues carry
 * full key paths like every other.
 */
export function validateGatewayConfig(input: unknown): ConfigValidation {
  // An original gateway's file (moltbot.json) carries keys imgate does not use: accepted, named in a warning.
  const stripped = stripOriginalGatewayKeys(input);
  const raw = stripped.value;
  const warnings: ConfigWarning[] = stripped.ignored.map((path) => ({ code: "original-gateway-key", path }));
  if (!isRecord(raw) || raw.agents === undefined)
    warnings.push({ code: "echo-agent-default", path: "agents" });
  const result = gatewayConfigSchema.safeParse(raw);
  const issues: ConfigIssue[] = result.success
    ? []
    : toConfigIssues(result.error.issues, gatewayConfigSchema, raw);
  const channels = isRecord(raw) ? raw.channels : undefined;
  const rawImessage = isRecord(channels) ? channels.imessage : undefined;
  let imessage: GatewayConfig["channels"]["imessage"];
  if (rawImessage !== undefined) {
    const channel = checkImessageConfig(rawImessage, { path: "channels.imessage" });
    if (channel.ok) imessage = channel.config;
    else {
      // The loose placeholder in the gateway schema may report the same path; keep the channel's detail.
      const channelIssues = channel.issues.map((issue) => ({ path: issue.path, message: issue.message }));
      issues.splice(
        0,
        issues.length,
        ...issues.filter((issue) => !issue.path.startsWith("channels.imessage")),
        ...channelIssues,
      );
    }
  }
  if (!result.success || issues.length > 0) return { ok: false, issues, warnings };
  const config: GatewayConfig = { ...result.data, channels: { ...result.data.channels } };
  if (imessage !== undefined) config.channels.imessage = imessage;
  return { ok: true, config, warnings };
}

/**
 * Validates an already-parsed config value and applies defaults ({@link validateGatewayConfig} also
 * returns the warnings).
 * @throws {ConfigError} `CONFIG_INVALID` listing every bad key path.
 */
export function parseGatewayConfig(raw: unknown, options: { source?: string } = {}): GatewayConfig {
  return checkedGatewayConfig(raw, options).config;
}

/**
 * Like {@link parseGatewayConfig}, with the warnings of a valid config.
 * @throws {ConfigError} `CONFIG_INVALID` listing every bad key path.
 */
export function checkedGatewayConfig(
  raw: unknown,
  options: { source?: string } = {},
): { config: GatewayConfig; warnings: ConfigWarning[] } {
  const validation = validateGatewayConfig(raw);
  if (validation.ok) return { config: validation.config, warnings: validation.warnings };
  const first = validation.issues[0];
  const where = options.source ? ` in ${options.source}` : "";
  const count = validation.issues.length;
  const head = first ? `${first.path || "(root)"}: ${first.message}` : "invalid";
  throw new ConfigError(
    GatewayErrorCode.ConfigInvalid,
    `Invalid config${where} (${head}${count > 1 ? ` and ${count - 1} more` : ""}); fix the key path(s) below and run \`imgate config validate\`.\n${formatConfigIssues(validation.issues)}`,
    { issues: validation.issues, ...(options.source ? { source: options.source } : {}) },
  );
}
