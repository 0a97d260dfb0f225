import type { AgentBackendConfig } from "../config/gateway-config-schema.ts";
import type { AgentBackend } from "./agent-backend.ts";
import { createEchoBackend } from "./echo-backend.ts";
import { createExecBackend } from "./exec-backend.ts";
import { createOpenAIBackend } from "./openai-backend.ts";
import { createWebhookBackend } from "./webhook-backend.ts";

/** Edges shared by all backends (for tests and embedding). */
export interface AgentBackendDeps {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/** Builds the backend an agent's `backend` config block describes. */
export function createAgentBackend(config: AgentBackendConfig, deps: AgentBackendDeps = {}): AgentBackend {
  switch (config.type) {
    case "echo":
      return createEchoBackend();
    case "openai":
      return createOpenAIBackend(config, deps);
    case "exec":
      return createExecBackend(config, deps.env ? { env: deps.env } : {});
    case "webhook":
      return createWebhookBackend(config, deps);
  }
}
