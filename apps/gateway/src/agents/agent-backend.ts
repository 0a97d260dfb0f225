import type { AgentReply, AgentTurn } from "./agent-turn.ts";

/** Per-call options of {@link AgentBackend.reply}. */
export interface AgentCallOptions {
  /** Aborted when the gateway stops; the backend gives up promptly (fetch aborted, child killed). */
  signal: AbortSignal;
}

/** Something that answers a turn: echo, an OpenAI-compatible API, a command, or a webhook. */
export interface AgentBackend {
  /** Backend kind, for logs and metrics. */
  readonly kind: string;
  /** Produces the reply to one turn. Rejects with an `AgentError`. */
  reply(turn: AgentTurn, options: AgentCallOptions): Promise<AgentReply>;
}
