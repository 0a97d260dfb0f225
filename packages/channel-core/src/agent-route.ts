import type { ChatType } from "./envelope.ts";
import type { Logger } from "./logger.ts";
import { silentLogger } from "./logger.ts";
import type { DmScope } from "./session-key.ts";
import { buildSessionKey, mainSessionKey } from "./session-key.ts";

/** The account id a binding without `match.accountId` refers to. */
export const DEFAULT_ACCOUNT_ID = "default";

/** The agent id used when `agents.list` is empty. */
export const DEFAULT_AGENT_ID = "main";

/** One `bindings[]` entry: which agent answers which channel, account or peer. */
export interface AgentBinding {
  /** Agent that answers; must be in `agents.list` (otherwise the default agent answers, with a warning). */
  agentId: string;
  match: {
    /** Channel name, e.g. `imessage` (case-insensitive). */
    channel: string;
    /** Account id; absent means the default account, `*` means every account of the channel. */
    accountId?: string;
    /** A single conversation: `dm` with the normalised sender, or `group` with the chat id. */
    peer?: { kind: "dm" | "group"; id: string };
  };
}

/** The part of an `agents.list[]` entry routing needs. */
export interface AgentListEntry {
  /** Agent id. */
  id: string;
  /** The default agent; when no entry sets it, the first entry is the default. */
  default?: boolean;
}

/** Inputs of {@link resolveAgentRoute}. */
export interface AgentRouteInput {
  /** Config `bindings`. */
  bindings?: readonly AgentBinding[];
  /** Config `agents.list`. */
  agents?: readonly AgentListEntry[];
  channel: string;
  accountId: string;
  /** The conversation: `group` with the chat id, `direct` with the normalised sender. */
  peer: { chatType: ChatType; id: string };
  /** Config `session.dmScope`. */
  dmScope?: DmScope;
  /** Config `session.identityLinks`. */
  identityLinks?: Readonly<Record<string, readonly string[]>>;
  /** Name of the default account (default {@link DEFAULT_ACCOUNT_ID}). */
  defaultAccountId?: string;
  logger?: Logger;
}

/** Which rule chose the agent. */
export type RouteMatch = "peer" | "account" | "channel" | "default";

/** Result of {@link resolveAgentRoute}. */
export interface AgentRoute {
  agentId: string;
  /** The conversation's session key (§8). */
  sessionKey: string;
  /** The agent's main session key, whose last route DMs update. */
  mainSessionKey: string;
  matchedBy: RouteMatch;
}

/** The default agent: the `agents.list` entry with `default: true`, else the first, else `main`. */
export function resolveDefaultAgentId(agents: readonly AgentListEntry[] | undefined): string {
  const list = agents ?? [];
  return (list.find((agent) => agent.default === true) ?? list[0])?.id.trim() || DEFAULT_AGENT_ID;
}

/**
 * Picks the agent for a conversation and builds its session key. Among the bindings for this channel
 * and account, first hit wins: peer match, then account match, then a `*` account binding, then the
 * default agent (behaviour reference §8).
 */
export function resolveAgentRoute(input: AgentRouteInput): AgentRoute {
  const logger = input.logger ?? silentLogger;
  const channel = input.channel.trim().toLowerCase();
  const accountId = input.accountId.trim();
  const defaultAccountId = input.defaultAccountId ?? DEFAULT_ACCOUNT_ID;
  const agents = input.agents ?? [];
  const defaultAgentId = resolveDefaultAgentId(agents);

  const candidates = (input.bindings ?? []).filter(
    (binding) =>
      binding.match.channel.trim().toLowerCase() === channel &&
      matchesAccount(binding.match.accountId, accountId, defaultAccountId),
  );
  const peerKind = input.peer.chatType === "group" ? "group" : "dm";
  const peerId = input.peer.id.trim().toLowerCase();

  const pick = (): { binding?: AgentBinding; matchedBy: RouteMatch } => {
    const byPeer = candidates.find(
      (b) => b.match.peer?.kind === peerKind && b.match.peer.id.trim().toLowerCase() === peerId,
    );
    if (byPeer) return { binding: byPeer, matchedBy: "peer" };
    // A binding without accountId targets the default account, which counts as an account match.
    const byAccount = candidates.find((b) => !b.match.peer && b.match.accountId?.trim() !== "*");
    if (byAccount) return { binding: byAccount, matchedBy: "account" };
    const byChannel = candidates.find((b) => !b.match.peer && b.match.accountId?.trim() === "*");
    if (byChannel) return { binding: byChannel, matchedBy: "channel" };
    return { matchedBy: "default" };
  };

  const { binding, matchedBy } = pick();
  let agentId = binding?.agentId.trim() ?? defaultAgentId;
  if (binding && agents.length > 0 && !agents.some((agent) => agent.id.trim() === agentId)) {
    logger.warn(
      { agentId, defaultAgentId, channel, accountId },
      `binding names agent "${agentId}", which is not in agents.list; using the default agent. Fix the binding's agentId or add the agent.`,
    );
    agentId = defaultAgentId;
  }
  return {
    agentId,
    matchedBy,
    mainSessionKey: mainSessionKey(agentId),
    sessionKey: buildSessionKey({
      agentId,
      channel,
      accountId,
      chatType: input.peer.chatType,
      peerId: input.peer.id,
      dmScope: input.dmScope,
      identityLinks: input.identityLinks,
    }),
  };
}

function matchesAccount(bindingAccount: string | undefined, accountId: string, defaultAccountId: string) {
  const wanted = bindingAccount?.trim().toLowerCase();
  const actual = accountId.toLowerCase();
  if (!wanted) return actual === defaultAccountId.toLowerCase();
  if (wanted === "*") return true;
  return wanted === actual;
}
