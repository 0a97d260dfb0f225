import { checkImessageConfig } from "@imgate/imessage-channel";
import { GatewayErrorCode } from "../errors/gateway-error.ts";
import { ConfigError } from "./config-error.ts";
import { type ConfigIssue, formatConfigIssues, toConfigIssues } from "./config-issue.ts";
import { type GatewayConfig, gatewayConfigSchema } from "./gateway-config-schema.ts";

/** The result of {@link validateGatewayConfig}: the config, or every issue found. */
export type ConfigValidation = { ok: true; config: GatewayConfig } | { ok: false; issues: ConfigIssue[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validates an already-parsed config value without throwing (for `imgate config validate`). The
 * `channels.imessage` section is validated by `@imgate/imessage-channel`'s own schema; its issues carry
 * full key paths like every other.
 */
export function validateGatewayConfig(raw: unknown): ConfigValidation {
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
  if (!result.success || issues.length > 0) return { ok: false, issues };
  const config: GatewayConfig = { ...result.data, channels: { ...result.data.channels } };
  if (imessage !== undefined) config.channels.imessage = imessage;
  return { ok: true, config };
}

/**
 * Validates an already-parsed config value and applies defaults.
 * @throws {ConfigError} `CONFIG_INVALID` listing every bad key path.
 */
export function parseGatewayConfig(raw: unknown, options: { source?: string } = {}): GatewayConfig {
  const validation = validateGatewayConfig(raw);
  if (validation.ok) return validation.config;
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
