import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import { type StartCheck, startCheck } from "./start-checks.ts";

/**
 * With `gateway.state.postgres`: the variable `urlEnv` names must be set, and — until the pipeline runs on the
 * shared store (ADR 0016 step 7) — the gateway refuses to start, because it would keep serving from this host's
 * SQLite file: two gateways meant to share one database would each answer on their own state. Nothing when
 * `gateway.state` is absent (SQLite, the default).
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
  // Removed by the step that wires the pipeline to the shared store (docs/deployment.md says the same).
  checks.push(
    startCheck(
      "state.postgres",
      "fail",
      "gateway.state.postgres is set, but this imgate still serves every account from its own SQLite file: running on shared PostgreSQL is not wired in yet (ADR 0016 step 7)",
      "Remove gateway.state to run on this host's SQLite file; `imgate status` already shows the account leases in the shared database.",
    ),
  );
  return checks;
}
