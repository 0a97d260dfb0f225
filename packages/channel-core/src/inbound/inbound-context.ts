import type { AgentRoute } from "../agent-route.ts";
import type { Envelope } from "../envelope.ts";
import type { PolicyDecision } from "../policy-types.ts";
import type { OutcomeWriter } from "../state/state-backend.ts";

/**
 * The per-message context the inbound pipeline passes from step to step (grammY's `ctx`): the envelope,
 * what the steps decided so far, and the capabilities the channel and the gateway hand in. Channel-agnostic:
 * a channel or gateway extends it with its own fields (the answering account, the reply target, …).
 */
export interface InboundContext {
  /** The normalised inbound message. */
  readonly envelope: Envelope;
  /**
   * The account under which the message's dedupe mark, replies and stored turn are recorded (the account
   * that received it).
   */
  readonly accountId: string;
  /** When the gateway first saw the message (ms since the epoch). */
  readonly arrivedAt: number;
  /** The access policy's decision, once the policy step ran. */
  decision?: PolicyDecision;
  /** The agent and session the conversation routes to, once known. */
  route?: Pick<AgentRoute, "agentId" | "sessionKey">;
  /**
   * Records the message's outcome: `persist` records its writes on the writer (nothing runs yet); they
   * commit in the group commit that also marks the message handled (the watch cursor moves past it only in
   * that commit), so a crash replays, never loses.
   */
  finish(persist: (writer: OutcomeWriter) => void): void;
  /** Drops the message, counted under `reason`; nothing is persisted but the message is handled. */
  drop(reason: string): void;
  /** Counts a message that is not answered but has an outcome (pairing, no mention, too old). */
  count(reason: string): void;
  /**
   * Queues `texts` (already chunked) as replies to the message's chat, through the outbox, on `writer`:
   * call it inside a `finish` persist, so the replies commit with the outcome.
   */
  reply(writer: OutcomeWriter, texts: readonly string[]): void;
  /** Reacts to the message (tapback), when the channel can; absent otherwise. */
  react?(reaction: string): Promise<void>;
  /** Shows or clears a typing indicator in the chat, when the channel can; absent otherwise. */
  typing?(on: boolean): Promise<void>;
}
