import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import { type StartCheck, startCheck } from "./start-checks.ts";

/**
 * With `gateway.state.postgres`: the variable `urlEnv` names must be set (whether the database answers is the
 * gateway's start and `imgate doctor`'s `state.database`). Nothing when `gateway.state` is absent (SQLite).
 */
export function checkSharedState(config: GatewayConfig, env: NodeJS.ProcessEnv): StartCheck[] {
  const postgres = config.gateway.state?.postgres;
  if (!postgres) return [];
  const checks: StartCheck[] = [];
  const name = postgres.urlEnv;
  if (!env[name]?.trim()) {
    checks.push(
      startCheck(
        `env.${name}`,
        "fail",
        `gateway.state.postgres.urlEnv names ${name}, which is not set in the environment`,
        `Set ${name} to the PostgreSQL URL in the gateway's environment (e.g. \`export ${name}=postgresql://USER:PASSWORD@HOST:5432/imgate\`; never in the config file), or remove gateway.state to use SQLite.`,
      ),
    );
  }
  return checks;
}
