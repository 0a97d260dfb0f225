import type { ChatType } from "./envelope.ts";

/**
 * How DM conversations map to agent sessions (config `session.dmScope`):
 * - `main`: every DM shares the agent's main session (`agent:<agentId>:main`);
 * - `per-peer`: one session per sender across channels (`agent:<agentId>:dm:<peer>`);
 * - `per-channel-peer`: per channel and sender (`agent:<agentId>:<channel>:dm:<peer>`);
 * - `per-account-channel-peer`: per account too (`agent:<agentId>:<channel>:<accountId>:dm:<peer>`).
 */
export type DmScope = "main" | "per-peer" | "per-channel-peer" | "per-account-channel-peer";

/** All {@link DmScope} values, for schemas. */
export const DM_SCOPES = ["main", "per-peer", "per-channel-peer", "per-account-channel-peer"] as const;

/** The main session's name inside an agent (`agent:<agentId>:main`). */
export const MAIN_SESSION_NAME = "main";

/** Inputs of {@link buildSessionKey}. */
export interface SessionKeyInput {
  /** Agent that owns the session (from routing). */
  agentId: string;
  /** Channel name, e.g. `imessage`. */
  channel: string;
  /** Account within the channel. Part of the key only for `per-account-channel-peer` DMs. */
  accountId: string;
  /** `group` for groups and group-ish threads, `direct` for DMs. */
  chatType: ChatType;
  /**
   * The peer: for groups the channel's chat id (resolved by the channel, so that inbound messages
   * and sends to the same conversation share one session), for DMs the normalised sender.
   */
  peerId: string;
  /** Config `session.dmScope`; default `main`. Ignored for groups. */
  dmScope?: DmScope;
  /**
   * Config `session.identityLinks`: canonical name → peer ids (bare, or `<channel>:<peer>`) that are the
   * same person. A linked DM peer is keyed by its canonical name (not with `dmScope: "main"`).
   */
  identityLinks?: Readonly<Record<string, readonly string[]>>;
}

/** The agent's main session key: `agent:<agentId>:main`. */
export function mainSessionKey(agentId: string): string {
  return `agent:${agentId}:${MAIN_SESSION_NAME}`.toLowerCase();
}

/**
 * Builds the session key of a conversation (behaviour reference §8). Keys are lower-cased. Groups are
 * `agent:<agentId>:<channel>:group:<chatId>` whatever the DM scope, without the account.
 */
export function buildSessionKey(input: SessionKeyInput): string {
  const agentId = input.agentId.trim();
  const channel = input.channel.trim();
  const peerId = input.peerId.trim();
  if (input.chatType === "group") {
    return `agent:${agentId}:${channel}:group:${peerId}`.toLowerCase();
  }
  const scope = input.dmScope ?? "main";
  if (scope === "main") return mainSessionKey(agentId);
  const peer = resolveLinkedPeer(channel, peerId, input.identityLinks) ?? peerId;
  switch (scope) {
    case "per-peer":
      return `agent:${agentId}:dm:${peer}`.toLowerCase();
    case "per-channel-peer":
      return `agent:${agentId}:${channel}:dm:${peer}`.toLowerCase();
    case "per-account-channel-peer":
      return `agent:${agentId}:${channel}:${input.accountId.trim()}:dm:${peer}`.toLowerCase();
  }
}

function resolveLinkedPeer(
  channel: string,
  peerId: string,
  links: Readonly<Record<string, readonly string[]>> | undefined,
): string | undefined {
  if (!links) return undefined;
  const bare = peerId.toLowerCase();
  const scoped = `${channel}:${peerId}`.toLowerCase();
  for (const [canonical, ids] of Object.entries(links)) {
    for (const id of ids) {
      const candidate = id.trim().toLowerCase();
      if (candidate === bare || candidate === scoped) return canonical.trim();
    }
  }
  return undefined;
}

/** The parts of a `…:<channel>:dm:<peer>` key, as used for per-DM history limits. */
export interface DmSessionKeyParts {
  channel: string;
  peerId: string;
}

/**
 * Reads channel and peer out of a `per-channel-peer` DM key (`agent:<agentId>:<channel>:dm:<peer>`);
 * `undefined` for every other shape. The history store uses it to apply `dmHistoryLimit`.
 */
export function parseChannelDmSessionKey(sessionKey: string): DmSessionKeyParts | undefined {
  const match = /^agent:[^:]+:([^:]+):dm:(.+)$/.exec(sessionKey);
  if (!match) return undefined;
  return { channel: match[1] as string, peerId: match[2] as string };
}
