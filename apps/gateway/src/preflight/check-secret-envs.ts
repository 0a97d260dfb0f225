import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import { type StartCheck, startCheck } from "./start-checks.ts";

/** The default of `gateway.http.tokenEnv`: unset means "no token", which loopback allows. */
const DEFAULT_TOKEN_ENV = "IMGATE_TOKEN";

/** Every `*Env` key of the config that names a secret, with its key path. */
function secretEnvKeys(config: GatewayConfig): { key: string; name: string }[] {
  const keys: { key: string; name: string }[] = [];
  config.agents.list.forEach((agent, index) => {
    const backend = agent.backend;
    if (backend.type === "openai" && backend.apiKeyEnv) {
      keys.push({ key: `agents.list[${index}].backend.apiKeyEnv`, name: backend.apiKeyEnv });
    }
    if (backend.type === "openai" && backend.transcription?.apiKeyEnv) {
      keys.push({
        key: `agents.list[${index}].backend.transcription.apiKeyEnv`,
        name: backend.transcription.apiKeyEnv,
      });
    }
    if (backend.type === "webhook") {
      keys.push({ key: `agents.list[${index}].backend.secretEnv`, name: backend.secretEnv });
    }
  });
  // The default token variable may stay unset on loopback (the `token` check of doctor covers it);
  // a tokenEnv someone wrote into the config is meant to hold a token.
  const tokenEnv = config.gateway.http.tokenEnv;
  if (tokenEnv !== DEFAULT_TOKEN_ENV) keys.push({ key: "gateway.http.tokenEnv", name: tokenEnv });
  return keys;
}

/**
 * One check per `apiKeyEnv`/`secretEnv`/`tokenEnv` that names an unset (or empty) variable: a failure
 * for doctor, a warning for the gateway (which starts anyway; the agent's calls fail until it is set).
 */
export function checkSecretEnvs(
  config: GatewayConfig,
  env: NodeJS.ProcessEnv,
  caller: "gateway" | "doctor",
): StartCheck[] {
  return secretEnvKeys(config)
    .filter(({ name }) => !env[name])
    .map(({ key, name }) =>
      startCheck(
        `env.${name}`,
        caller === "doctor" ? "fail" : "warn",
        `${key} names ${name}, which is not set in the environment`,
        `Set ${name} in the gateway's environment (e.g. \`export ${name}=…\`), or change ${key}.`,
      ),
    );
}
