/**
 * Account resolution (channel-behavior §14 with decision Q1): the effective config of an account is the
 * top level shallowly overlaid with `accounts.<id>`, and defaults are applied only after that merge.
 */
import type {
  DmPolicy,
  GroupPolicy,
  ImessageAccountConfig,
  ImessageRemoteConfig,
  ImessageSectionConfig,
  ImessageService,
} from "./config-schema.ts";
import type { ImessageGroupConfig } from "./group-entry-schema.ts";

/** The id used when the section has no `accounts`. */
export const DEFAULT_ACCOUNT_ID = "default";

/** Defaults applied after the merge. */
export const IMESSAGE_DEFAULTS = {
  cliPath: "imsg",
  service: "auto",
  region: "US",
  dmPolicy: "pairing",
  groupPolicy: "allowlist",
  includeAttachments: false,
  mediaMaxMb: 16,
  textChunkLimit: 4000,
  chunkMode: "length",
  configWrites: true,
  markdownTables: "code",
  pairingReply: "code",
  sendReadReceipts: true,
  typingIndicator: "dm",
  reactionNotifications: "own",
  watchDebounceMs: 100,
  remoteAttachmentRoots: ["~/Library/Messages/Attachments"],
  maxMessageAge: { liveMs: 15 * 60_000, replayMs: 2 * 60 * 60_000 },
  limits: { newContactsPerHour: 15, newContactsPerDay: 50, minSendIntervalMs: 1000, maxPerDay: 1000 },
  deafStreamMs: 60_000,
} as const;

/** Resolved outbound limits of an account (0 = off). */
export interface ResolvedSendLimits {
  newContactsPerHour: number;
  newContactsPerDay: number;
  minSendIntervalMs: number;
  maxPerDay: number;
}

/** A fully resolved account: every key has its effective value. */
export interface ResolvedImessageAccount {
  /** Normalised account id (trimmed, lower-cased, invalid characters as `-`). */
  accountId: string;
  /** The key as written under `accounts` (equal to `accountId` unless normalisation changed it). */
  configKey: string;
  /** Whether this is the channel's default account (`default` if present, else the first sorted id). */
  isDefault: boolean;
  /** Top-level and account `enabled` are both not `false`. */
  enabled: boolean;
  /** Display name, trimmed. */
  name?: string;
  /** Free-form capability tags. */
  capabilities: string[];
  /** Markdown table rendering. */
  markdownTables: "off" | "bullets" | "code";
  /** Whether chat commands may edit the config. */
  configWrites: boolean;
  /** imsg executable or wrapper. */
  cliPath: string;
  /** chat.db path (unexpanded), when set. */
  dbPath?: string;
  /** Explicit attachment host, when set. */
  remoteHost?: string;
  /** Native SSH transport, when set. */
  remote?: ImessageRemoteConfig;
  /** Default send service. */
  service: ImessageService;
  /** Region for phone numbers (upper case). */
  region: string;
  /** DM policy. */
  dmPolicy: DmPolicy;
  /** DM allowlist entries as strings. */
  allowFrom: string[];
  /** Group allowlist entries (`groupAllowFrom`, else `allowFrom`). */
  groupAllowFrom: string[];
  /** Group policy. */
  groupPolicy: GroupPolicy;
  /** Group history limit when set (the gateway continues the fallback chain). */
  historyLimit?: number;
  /** DM history limit when set. */
  dmHistoryLimit?: number;
  /** Per-DM history limits. */
  dms: Record<string, { historyLimit?: number }>;
  /** Per-group settings. */
  groups: Record<string, ImessageGroupConfig>;
  /** Whether attachments are passed on. */
  includeAttachments: boolean;
  /** Attachment cap in MB. */
  mediaMaxMb: number;
  /** Characters per sent message. */
  textChunkLimit: number;
  /** Chunking mode. */
  chunkMode: "length" | "newline";
  /** Block streaming, when set. */
  blockStreaming?: boolean;
  /** Block coalescing, when set. */
  blockStreamingCoalesce?: { minChars?: number; maxChars?: number; idleMs?: number };
  /** Heartbeat visibility, when set. */
  heartbeat?: { showOk?: boolean; showAlerts?: boolean; useIndicator?: boolean };
  /** Stranger handling under pairing. */
  pairingReply: "code" | "silent";
  /** Mark accepted messages read when their turn starts (imsg bridge `read`). */
  sendReadReceipts: boolean;
  /** Where the typing bubble is shown while a turn runs (imsg bridge `typing`). */
  typingIndicator: "dm" | "all" | "off";
  /** Which inbound tapbacks reach the agent as event turns. */
  reactionNotifications: "own" | "all" | "off";
  /** `debounce_ms` of the account's imsg watch. */
  watchDebounceMs: number;
  /** Remote attachment roots. */
  remoteAttachmentRoots: string[];
  /** Age limits (ms, 0 = off) for answering messages that arrive live and ones replayed after downtime. */
  maxMessageAge: { liveMs: number; replayMs: number };
  /** Outbound limits; each key inherits from the top level on its own (0 = off). */
  limits: ResolvedSendLimits;
  /** Deaf-stream threshold in ms (0 = off). */
  deafStreamMs: number;
  /**
   * Identifies the message source (transport + database). Accounts with equal keys read the same chat.db
   * and should share one watcher.
   */
  sourceKey: string;
}

/** Normalises an account id: trimmed, lower-cased, characters outside `[a-z0-9_-]` become `-`. */
export function normalizeAccountId(id: string): string {
  const normalized = id
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-");
  return normalized === "" ? DEFAULT_ACCOUNT_ID : normalized;
}

/** Top-level keys overlaid with the account's keys (shallow: arrays and maps are replaced, not merged). */
export function mergeAccountConfig(
  section: ImessageSectionConfig,
  account: ImessageAccountConfig | undefined,
): ImessageAccountConfig {
  const { accounts: _accounts, ...top } = section;
  const merged: Record<string, unknown> = { ...top };
  for (const [key, value] of Object.entries(account ?? {})) {
    if (value !== undefined) merged[key] = value;
  }
  return merged as ImessageAccountConfig;
}

/** The account ids that run, sorted, with their config keys. */
export function listAccountKeys(section: ImessageSectionConfig): string[] {
  const keys = Object.keys(section.accounts ?? {});
  return keys.length === 0 ? [] : keys.sort();
}

function sourceKeyOf(merged: ImessageAccountConfig, cliPath: string): string {
  if (merged.remote) {
    const r = merged.remote;
    return `ssh:${r.user ?? ""}@${r.host}:${r.port ?? 22}|${r.imsgPath ?? "imsg"}|${r.dbPath ?? ""}`;
  }
  return `local:${cliPath}|${merged.dbPath ?? ""}`;
}

function resolveOne(
  section: ImessageSectionConfig,
  configKey: string,
  account: ImessageAccountConfig | undefined,
  isDefault: boolean,
): ResolvedImessageAccount {
  const merged = mergeAccountConfig(section, account);
  const allowFrom = (merged.allowFrom ?? []).map((entry) => String(entry).trim()).filter((e) => e !== "");
  const groupAllowFrom =
    merged.groupAllowFrom === undefined
      ? allowFrom
      : merged.groupAllowFrom.map((entry) => String(entry).trim()).filter((e) => e !== "");
  const cliPath = merged.cliPath?.trim() || IMESSAGE_DEFAULTS.cliPath;
  const name = merged.name?.trim();
  const resolved: ResolvedImessageAccount = {
    accountId: account === undefined ? DEFAULT_ACCOUNT_ID : normalizeAccountId(configKey),
    configKey,
    isDefault,
    enabled: section.enabled !== false && account?.enabled !== false,
    capabilities: merged.capabilities ?? [],
    markdownTables: merged.markdown?.tables ?? IMESSAGE_DEFAULTS.markdownTables,
    configWrites: merged.configWrites ?? IMESSAGE_DEFAULTS.configWrites,
    cliPath,
    service: merged.service ?? IMESSAGE_DEFAULTS.service,
    region: (merged.region ?? IMESSAGE_DEFAULTS.region).toUpperCase(),
    dmPolicy: merged.dmPolicy ?? IMESSAGE_DEFAULTS.dmPolicy,
    allowFrom,
    groupAllowFrom,
    groupPolicy: merged.groupPolicy ?? IMESSAGE_DEFAULTS.groupPolicy,
    dms: merged.dms ?? {},
    groups: merged.groups ?? {},
    includeAttachments: merged.includeAttachments ?? IMESSAGE_DEFAULTS.includeAttachments,
    mediaMaxMb: merged.mediaMaxMb ?? IMESSAGE_DEFAULTS.mediaMaxMb,
    textChunkLimit: merged.textChunkLimit ?? IMESSAGE_DEFAULTS.textChunkLimit,
    chunkMode: merged.chunkMode ?? IMESSAGE_DEFAULTS.chunkMode,
    pairingReply: merged.pairingReply ?? IMESSAGE_DEFAULTS.pairingReply,
    sendReadReceipts: merged.sendReadReceipts ?? IMESSAGE_DEFAULTS.sendReadReceipts,
    typingIndicator: merged.typingIndicator ?? IMESSAGE_DEFAULTS.typingIndicator,
    reactionNotifications: merged.reactionNotifications ?? IMESSAGE_DEFAULTS.reactionNotifications,
    watchDebounceMs: merged.watchDebounceMs ?? IMESSAGE_DEFAULTS.watchDebounceMs,
    remoteAttachmentRoots: merged.remoteAttachmentRoots ?? [...IMESSAGE_DEFAULTS.remoteAttachmentRoots],
    maxMessageAge: {
      liveMs: merged.maxMessageAge?.liveMs ?? IMESSAGE_DEFAULTS.maxMessageAge.liveMs,
      replayMs: merged.maxMessageAge?.replayMs ?? IMESSAGE_DEFAULTS.maxMessageAge.replayMs,
    },
    limits: { ...IMESSAGE_DEFAULTS.limits, ...section.limits, ...account?.limits },
    deafStreamMs: merged.deafStreamMs ?? IMESSAGE_DEFAULTS.deafStreamMs,
    sourceKey: sourceKeyOf(merged, cliPath),
  };
  if (name) resolved.name = name;
  if (merged.dbPath !== undefined) resolved.dbPath = merged.dbPath;
  if (merged.remoteHost !== undefined) resolved.remoteHost = merged.remoteHost.trim();
  if (merged.remote !== undefined) resolved.remote = merged.remote;
  if (merged.historyLimit !== undefined) resolved.historyLimit = merged.historyLimit;
  if (merged.dmHistoryLimit !== undefined) resolved.dmHistoryLimit = merged.dmHistoryLimit;
  if (merged.blockStreaming !== undefined) resolved.blockStreaming = merged.blockStreaming;
  if (merged.blockStreamingCoalesce !== undefined)
    resolved.blockStreamingCoalesce = merged.blockStreamingCoalesce;
  if (merged.heartbeat !== undefined) resolved.heartbeat = merged.heartbeat;
  return resolved;
}

/**
 * Every account of a validated section, fully resolved. Without `accounts` (or with an empty map) the
 * only account is `default`, built from the top level; otherwise exactly the `accounts` keys, sorted.
 */
export function resolveAccounts(section: ImessageSectionConfig | undefined): ResolvedImessageAccount[] {
  const value = section ?? {};
  const keys = listAccountKeys(value);
  if (keys.length === 0) return [resolveOne(value, DEFAULT_ACCOUNT_ID, undefined, true)];
  const defaultKey = keys.find((key) => normalizeAccountId(key) === DEFAULT_ACCOUNT_ID) ?? keys[0];
  return keys.map((key) => resolveOne(value, key, value.accounts?.[key], key === defaultKey));
}
