import type { InboundContext } from "@imgate/channel-core";
import type { ResolvedImessageAccount } from "@imgate/imessage-channel";
import type { WatchDelivery } from "@imgate/imsg-rpc";
import type { AgentRuntime } from "./agent-registry.ts";
import type { SessionSlot } from "./session-queue.ts";

/** The gateway's per-message context: channel-core's {@link InboundContext} plus what the gateway knows. */
export interface GatewayInboundContext extends InboundContext {
  /** The watch row (chat.db ROWID): the cursor moves past it once the message's outcome is committed. */
  readonly rowid: number;
  /** Where replies go (`chat_id:N` for groups, the handle or chat for DMs). */
  readonly target: string;
  /** How the row arrived (live or replayed, and when), for the message age limits. */
  readonly delivery: WatchDelivery;
  /** The account that answers: set by the policy step among the accounts sharing the watcher. */
  answering: ResolvedImessageAccount;
  /** The agent the conversation routes to, when it exists. */
  agent: AgentRuntime | undefined;
  /** The session queue's concurrency slot while the message's turn runs. */
  slot?: SessionSlot;
}
