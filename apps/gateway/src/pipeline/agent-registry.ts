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

/**
 * The patterns that count as a mention of `agent` in groups: its own `groupChat.mentionPatterns` (even `[]`),
 * else `messages.groupChat.mentionPatterns`, else its identity's name (as a word, any case) and emoji.
 */
export function agentMentionPatterns(agent: AgentConfig, config: GatewayConfig): string[] {
  const identity: { name?: string; emoji?: string } = {};
  if (agent.identity?.name) identity.name = agent.identity.name;
  if (agent.identity?.emoji) identity.emoji = agent.identity.emoji;
  const sources: Parameters<typeof resolveMentionPatterns>[0] = { identity };
  if (agent.groupChat?.mentionPatterns) sources.agentPatterns = agent.groupChat.mentionPatterns;
  if (config.messages.groupChat.mentionPatterns)
    sources.globalPatterns = config.messages.groupChat.mentionPatterns;
  return resolveMentionPatterns(sources);
}

/** Builds every agent of `config.agents.list` with its backend and mention patterns. */
export function createAgentRegistry(config: GatewayConfig, deps: AgentBackendDeps = {}): AgentRegistry {
  const registry = new Map<string, AgentRuntime>();
  for (const agent of config.agents.list) {
    registry.set(agent.id, {
      config: agent,
      backend: createAgentBackend(agent.backend, deps),
      mentionPatterns: agentMentionPatterns(agent, config),
      groupHistoryLimit: agent.groupChat?.historyLimit ?? config.messages.groupChat.historyLimit ?? 50,
    });
  }
  return registry;
}
