import type { Logger } from "@imgate/channel-core";
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
  /** Where a backend reports what it worked around (a failed voice-memo transcription). */
  logger?: Logger;
}

/** Builds the backend an agent's `backend` config block describes. */
export function createAgentBackend(config: AgentBackendConfig, deps: AgentBackendDeps = {}): AgentBackend {
  switch (config.type) {
    case "echo":
      return createEchoBackend();
    case "openai": {
      const { logger, ...edges } = deps;
      return createOpenAIBackend(config, {
        ...edges,
        ...(logger
          ? {
              onTranscriptionFailed: (name, error) =>
                logger.warn(
                  { attachment: name, err: error },
                  "voice memo could not be transcribed; the agent gets a note instead (check backend.transcription)",
                ),
            }
          : {}),
      });
    }
    case "exec":
      return createExecBackend(config, deps.env ? { env: deps.env } : {});
    case "webhook":
      return createWebhookBackend(config, deps);
  }
}
