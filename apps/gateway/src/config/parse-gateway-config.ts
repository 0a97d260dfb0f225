import { GatewayErrorCode } from "../errors/gateway-error.ts";
import { ConfigError } from "./config-error.ts";
import { type ConfigIssue, formatConfigIssues, toConfigIssues } from "./config-issue.ts";
import { type GatewayConfig, gatewayConfigSchema } from "./gateway-config-schema.ts";

/** The result of {@link validateGatewayConfig}: the config, or every issue found. */
export type ConfigValidation = { ok: true; config: GatewayConfig } | { ok: false; issues: ConfigIssue[] };

/** Validates an already-parsed config value without throwing (for `imgate config validate`). */
export function validateGatewayConfig(raw: unknown): ConfigValidation {
  const result = gatewayConfigSchema.safeParse(raw);
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, issues: toConfigIssues(result.error.issues, gatewayConfigSchema, raw) };
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
