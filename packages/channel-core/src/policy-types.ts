import type { ChatType, Envelope } from "./envelope.ts";

/**
 * Who may message the agent one-to-one:
 * - `pairing` (default): unknown senders get a pairing code; an owner approves them;
 * - `allowlist`: only `allowFrom` (and pairing-approved senders);
 * - `open`: everyone;
 * - `disabled`: nobody.
 */
export type DmPolicy = "pairing" | "allowlist" | "open" | "disabled";

/**
 * Who may trigger the agent in groups:
 * - `allowlist` (default): senders (or chats) in `groupAllowFrom` (else `allowFrom`);
 * - `open`: any member (the `groups` map and mention gating still apply);
 * - `disabled`: no group message is processed.
 */
export type GroupPolicy = "open" | "allowlist" | "disabled";

/** An allowlist entry: `"*"`, a sender handle, or a channel-specific chat target (e.g. `chat_id:42`). */
export type AllowEntry = string | number;

/** Per-group settings (`groups.<chatKey>` or `groups["*"]` for defaults). */
export interface GroupEntryConfig {
  /** Only answer when the agent is mentioned; default true. Authorised control commands bypass it. */
  requireMention?: boolean;
  /** Extra system prompt for the agent in this group; `""` suppresses the wildcard's. */
  systemPrompt?: string;
}

/**
 * The effective access settings of one channel account, after the channel merged top-level and
 * account values and applied defaults. Channel-agnostic: the channel maps its own config onto it.
 */
export interface AccessPolicyConfig {
  /** DM policy; default `pairing`. */
  dmPolicy?: DmPolicy;
  /** Group policy; default `allowlist`. */
  groupPolicy?: GroupPolicy;
  /** DM allowlist; `"*"` allows everyone. Also the group allowlist when `groupAllowFrom` is unset. */
  allowFrom?: readonly AllowEntry[];
  /** Group sender (or chat) allowlist; falls back to `allowFrom` when unset. */
  groupAllowFrom?: readonly AllowEntry[];
  /**
   * Group allowlist and per-group settings keyed by chat key; `"*"` gives defaults and allows every
   * group. When the map has any key, a group must be listed (or `"*"` present). An explicit entry
   * for a direct thread's chat key makes that thread a group ("group-ish thread").
   */
  groups?: Readonly<Record<string, GroupEntryConfig>>;
}

/**
 * Channel-supplied allowlist matcher for one entry other than `"*"` (e.g. iMessage compares handles
 * after normalisation and understands `chat_id:`/`chat_guid:`/`chat_identifier:` entries).
 */
export type AllowEntryMatcher = (entry: string, envelope: Envelope) => boolean;

/**
 * Senders approved through pairing: a list of entries (matched like `allowFrom`) or a predicate.
 * Approval grants DM access only (decision Q2).
 */
export type PairingApproval = readonly AllowEntry[] | ((envelope: Envelope) => boolean);

/** One message to decide on. */
export interface PolicyInput {
  envelope: Envelope;
  /** Effective access settings of the envelope's account. */
  config: AccessPolicyConfig;
  /** Pairing-approved senders (the pairing store). */
  pairingApproved?: PairingApproval;
  /** Mention patterns of the agent the conversation routes to (see `resolveMentionPatterns`). */
  mentionPatterns?: readonly string[];
  /** Whether the text is a control command; computed from the policy's command registry when absent. */
  isControlCommand?: boolean;
}

/** Why a message was dropped; stable strings used as metric labels. */
export type DropReason =
  | "empty-sender"
  | "group-missing-chat-key"
  | "group-disabled"
  | "group-allowlist-empty"
  | "group-sender-not-allowed"
  | "group-not-in-groups-map"
  | "dm-disabled"
  | "dm-not-allowed"
  | "control-command-unauthorized";

/** The message goes to the agent. */
export interface ProcessDecision {
  kind: "process";
  /** `group` for groups and group-ish threads (explicit `groups` entry), else `direct`. */
  chatType: ChatType;
  /** True for DMs; in groups, mentioned or an authorised control command. */
  wasMentioned: boolean;
  /** Whether the sender may run control commands (chat commands such as `/status`). */
  commandAuthorized: boolean;
  /**
   * Whether the sender may change the config from chat (`/config`): listed by an explicit `allowFrom`
   * entry — not through `"*"`, `dmPolicy: "open"`, a group allowlist or pairing approval (imgate decision:
   * strangers an open policy lets in must not rewrite who may talk to the agent).
   */
  configAuthorized: boolean;
  /** Whether the text is a control command. */
  isControlCommand: boolean;
  /** True when a group's mention requirement was waived for an authorised control command. */
  mentionBypassed: boolean;
}

/** The message is dropped; `reason` says why. */
export interface DropDecision {
  kind: "drop";
  reason: DropReason;
}

/** A DM from an unapproved sender under `dmPolicy: "pairing"`: run the pairing flow, do not answer. */
export interface PairingDecision {
  kind: "pairing";
}

/** A group message without the required mention: record it in group history, do not answer. */
export interface HistoryOnlyDecision {
  kind: "history-only";
  reason: "no-mention";
}

/** What to do with one inbound message. */
export type PolicyDecision = ProcessDecision | DropDecision | PairingDecision | HistoryOnlyDecision;

/** Labels the policy counts: every drop reason, plus messages held for pairing or lacking a mention. */
export type PolicyCounterReason = DropReason | "pairing-required" | "no-mention";
