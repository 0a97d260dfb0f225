import type { AgentTurn } from "../agents/agent-turn.ts";

/** A plausible DM turn for backend tests; override any field. */
export function sampleTurn(overrides: Partial<AgentTurn> = {}): AgentTurn {
  return {
    agentId: "main",
    sessionKey: "agent:main:main",
    channel: "imessage",
    accountId: "default",
    chatType: "direct",
    chatKey: "7",
    sender: "+15550001111",
    senderRaw: "+15550001111",
    messageId: "101",
    timestamp: Date.UTC(2026, 0, 17),
    text: "hello there",
    body: "[iMessage +15550001111 2026-01-17T00:00Z] hello there",
    history: [],
    attachments: [],
    wasMentioned: true,
    ...overrides,
  };
}
