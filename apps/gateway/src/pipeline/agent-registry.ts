import { resolveMentionPatterns } from "@imgate/channel-core";
import type { AgentBackend } from "../agents/agent-backend.ts";
import { type AgentBackendDeps, createAgentBackend } from "../agents/create-agent-backend.ts";
import type { AgentConfig, GatewayConfig } from "../config/gateway-config-schema.ts";

/** One configured agent, ready to answer. */
export interface AgentRuntime {
  config: AgentConfig;
  backend: AgentBackend;
  /** Patterns that count as a mention of this agent in groups (agent's own, else global, else identity). */
  mentionPatterns: string[];
  /** Group history limit for this agent (agent's, else `messages.groupChat.historyLimit`, else 50). */
  groupHistoryLimit: number;
}

/** The agents of a config, by id. */
export type AgentRegistry = ReadonlyMap<string, AgentRuntime>;

/** Builds every agent of `config.agents.list` with its backend and mention patterns. */
export function createAgentRegistry(config: GatewayConfig, deps: AgentBackendDeps = {}): AgentRegistry {
  const registry = new Map<string, AgentRuntime>();
  for (const agent of config.agents.list) {
    const identity: { name?: string; emoji?: string } = {};
    if (agent.identity?.name) identity.name = agent.identity.name;
    if (agent.identity?.emoji) identity.emoji = agent.identity.emoji;
    const sources: Parameters<typeof resolveMentionPatterns>[0] = { identity };
    if (agent.groupChat?.mentionPatterns) sources.agentPatterns = agent.groupChat.mentionPatterns;
    if (config.messages.groupChat.mentionPatterns)
      sources.globalPatterns = config.messages.groupChat.mentionPatterns;
    registry.set(agent.id, {
      config: agent,
      backend: createAgentBackend(agent.backend, deps),
      mentionPatterns: resolveMentionPatterns(sources),
      groupHistoryLimit: agent.groupChat?.historyLimit ?? config.messages.groupChat.historyLimit ?? 50,
    });
  }
  return registry;
}
