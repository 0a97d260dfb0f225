import {
  type AgentRoute,
  type Envelope,
  type Logger,
  type PolicyDecision,
  resolveAgentRoute,
} from "@imgate/channel-core";
import type { ResolvedImessageAccount } from "@imgate/imessage-channel";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import type { AgentRegistry, AgentRuntime } from "./agent-registry.ts";
import type { CoreServices } from "./core-services.ts";

/** The account that handles an inbound message, with its route and policy decision. */
export interface AnsweringChoice {
  account: ResolvedImessageAccount;
  route: AgentRoute;
  agent: AgentRuntime | undefined;
  decision: PolicyDecision;
}

/** Inputs of {@link chooseAnsweringAccount}. */
export interface ChooseAnsweringInput {
  /** Accounts served by one watcher, in sorted id order (the owner first). */
  accounts: readonly ResolvedImessageAccount[];
  envelope: Envelope;
  config: GatewayConfig;
  agents: AgentRegistry;
  core: CoreServices;
  defaultAccountId: string;
  logger: Logger;
}

const RANK: Record<PolicyDecision["kind"], number> = { process: 3, pairing: 2, "history-only": 1, drop: 0 };

/**
 * Decides which of the accounts sharing one transport and database handles a message: each account's
 * own policy (dmPolicy, allowlists, groups, its agent's mention patterns) is evaluated in sorted id
 * order, and the first account that would answer (`process`) does, with its bindings and agent. When none
 * would, the strongest other outcome wins — `pairing`, then `history-only`, then `drop` — again the
 * first account in order. So a message is answered at most once, never once per account.
 */
export async function chooseAnsweringAccount(input: ChooseAnsweringInput): Promise<AnsweringChoice> {
  const { envelope, config } = input;
  let best: AnsweringChoice | undefined;
  /** Pairing approvals, looked up once per sender before the (pure) policy decides. */
  const approvals = new Map<string, Promise<boolean>>();
  const approved = (sender: string) => {
    let lookup = approvals.get(sender);
    if (!lookup) {
      lookup = input.core.pairing.isApprovedSender("imessage", sender);
      approvals.set(sender, lookup);
    }
    return lookup;
  };
  for (const account of input.accounts) {
    const route = resolveAgentRoute({
      bindings: config.bindings,
      agents: config.agents.list,
      channel: "imessage",
      accountId: account.accountId,
      peer: {
        chatType: envelope.chatType,
        id: envelope.chatType === "group" ? envelope.chatKey : envelope.sender,
      },
      dmScope: config.session.dmScope,
      defaultAccountId: input.defaultAccountId,
      logger: input.logger,
    });
    const agent = input.agents.get(route.agentId);
    // Only direct messages consult pairing approvals.
    const pairingApproved = envelope.chatType === "direct" && (await approved(envelope.sender));
    const decision = input.core.policyFor(account.region).evaluate({
      envelope,
      config: {
        dmPolicy: account.dmPolicy,
        groupPolicy: account.groupPolicy,
        allowFrom: account.allowFrom,
        groupAllowFrom: account.groupAllowFrom,
        groups: account.groups,
      },
      pairingApproved: () => pairingApproved,
      mentionPatterns: agent?.mentionPatterns ?? [],
    });
    const choice = { account, route, agent, decision };
    if (decision.kind === "process") return choice;
    if (!best || RANK[decision.kind] > RANK[best.decision.kind]) best = choice;
  }
  if (!best) throw new Error("chooseAnsweringAccount needs at least one account");
  return best;
}
