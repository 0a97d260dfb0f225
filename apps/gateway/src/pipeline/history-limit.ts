import type { Envelope } from "@imgate/channel-core";
import type { ResolvedImessageAccount } from "@imgate/imessage-channel";
import type { AgentRuntime } from "./agent-registry.ts";

/**
 * How many entries a session keeps: groups `historyLimit` (else the agent's group limit, else 50); DMs the
 * sender's `dms.<handle>.historyLimit`, else `dmHistoryLimit`, else 20.
 */
export function historyLimitFor(
  account: Pick<ResolvedImessageAccount, "historyLimit" | "dms" | "dmHistoryLimit">,
  envelope: Envelope,
  agent: Pick<AgentRuntime, "groupHistoryLimit"> | undefined,
): number {
  if (envelope.chatType === "group") return account.historyLimit ?? agent?.groupHistoryLimit ?? 50;
  const dm = account.dms[envelope.sender] ?? account.dms[envelope.senderRaw];
  return dm?.historyLimit ?? account.dmHistoryLimit ?? 20;
}
