/**
 * The `channels.imessage` config schema (channel-behavior §3 plus imgate's additions). Strict at every
 * level; no defaults are filled in here — they are applied after the top-level → account merge by
 * `resolveAccounts` (decision Q1), so an account inherits every key it does not set.
 */
// The schema alone (zod), not the package root: that would load ssh2 into every gateway, remote or not.
import { sshConnectionConfigSchema } from "@imgate/remote-ssh/config";
import { z } from "zod";
import { explainUnsafeExecutable } from "./executable-safety.ts";
import { explainGroupKey, groupEntrySchema } from "./group-entry-schema.ts";
import { sendLimitsSchema } from "./send-limits-schema.ts";
import { strictObject } from "./strict-object.ts";

const executable = (what: string) =>
  z.string().superRefine((value, ctx) => {
    const why = explainUnsafeExecutable(value);
    if (why) ctx.addIssue({ code: "custom", message: `${what} ${why}` });
  });

/** Who may DM the bot. */
export const dmPolicySchema = z
  .enum(["pairing", "allowlist", "open", "disabled"])
  .describe(
    'Who may DM the bot: "pairing" (strangers get a code the owner approves), "allowlist", "open" (needs "*" in allowFrom) or "disabled". Default "pairing".',
  );

/** Which groups may reach the bot. */
export const groupPolicySchema = z
  .enum(["open", "allowlist", "disabled"])
  .describe(
    'Group handling: "allowlist" (sender or chat must be in groupAllowFrom), "open" (any member, still mention-gated) or "disabled". Default "allowlist".',
  );

/** Send service for iMessage vs SMS. */
export const serviceSchema = z
  .enum(["imessage", "sms", "auto"])
  .describe('Default send service; a service prefix on the target wins. Default "auto" (imsg picks).');

const allowEntry = z.union([z.string(), z.number()]);

const ageLimitMs = z.number().int().min(0);

/** How old (by send date) an inbound message may be and still be answered. */
export const maxMessageAgeSchema = strictObject({
  /** Limit for rows that arrive while the gateway is watching. */
  liveMs: ageLimitMs
    .optional()
    .describe(
      "A message arriving live whose send date is more than this many ms before its arrival (a late sync of old messages) is not answered, only kept as history. 0 = off. Default 900000 (15 minutes).",
    ),
  /** Limit for rows replayed after the gateway (or imsg) was down. */
  replayMs: ageLimitMs
    .optional()
    .describe(
      "A message replayed after downtime whose send date is more than this many ms old is not answered, only kept as history. 0 = off. Default 7200000 (2 hours).",
    ),
}).describe("Age limits for answering inbound messages (by their send date); older ones are history only.");

/** Per-DM settings (`dms.<handle>`). */
export const dmEntrySchema = strictObject({
  /** Caps this DM's transcript at N user turns. */
  historyLimit: z.number().int().min(0).optional().describe("Caps this DM's history at N user turns."),
}).describe("Per-DM settings, keyed by the normalised handle.");

/** Markdown rendering options. */
export const markdownSchema = strictObject({
  /** How Markdown tables are rendered. */
  tables: z
    .enum(["off", "bullets", "code"])
    .optional()
    .describe('How Markdown tables are rendered before sending. iMessage default "code".'),
}).describe("Markdown rendering for outgoing text.");

/** Heartbeat visibility. */
export const heartbeatSchema = strictObject({
  /** Show OK heartbeats. */
  showOk: z.boolean().optional().describe("Show OK heartbeats in the chat."),
  /** Show heartbeat alerts. */
  showAlerts: z.boolean().optional().describe("Show heartbeat alerts in the chat."),
  /** Use an indicator instead of a message. */
  useIndicator: z.boolean().optional().describe("Use an indicator instead of a message."),
}).describe("Heartbeat visibility.");

/** Coalescing of streamed reply blocks. */
export const blockStreamingCoalesceSchema = strictObject({
  /** Minimum characters before a block is sent. */
  minChars: z.number().int().positive().optional().describe("Minimum characters before a block is sent."),
  /** Maximum characters per merged block. */
  maxChars: z.number().int().positive().optional().describe("Maximum characters per merged block."),
  /** Idle time after which a pending block is sent. */
  idleMs: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("Idle milliseconds after which a block is sent."),
}).describe("Merges streamed reply blocks before they are sent.");

/**
 * Native SSH transport to a remote Mac (imgate addition): `@imgate/remote-ssh`'s own connection schema,
 * so both packages agree on every key.
 */
export const remoteSchema = sshConnectionConfigSchema.describe(
  'Reach imsg on a remote Mac over native SSH (runs "<imsgPath> rpc" on an exec channel) instead of spawning cliPath.',
);

/** Every key valid both at the top level and inside `accounts.<id>`. */
export const imessageAccountShape = {
  /** Whether the account runs. */
  enabled: z.boolean().optional().describe("The account runs unless this (or the top-level value) is false."),
  /** Display name. */
  name: z.string().optional().describe("Display name of the account."),
  /** Free-form capability tags. */
  capabilities: z.array(z.string()).optional().describe("Free-form tags used as agent guidance."),
  /** Markdown options. */
  markdown: markdownSchema.optional(),
  /** Whether chat commands may edit the config. */
  configWrites: z
    .boolean()
    .optional()
    .describe("Allow /config and /allowlist edits from chat. Default true."),
  /** The imsg executable (or a stdio wrapper such as an SSH script). */
  cliPath: executable("cliPath")
    .optional()
    .describe('The imsg executable or a stdio wrapper script (run as "<cliPath> rpc"). Default "imsg".'),
  /** chat.db path. */
  dbPath: z.string().optional().describe("chat.db path, passed as --db; ~ is expanded."),
  /** Host attachments are fetched from when cliPath is an SSH wrapper. */
  remoteHost: z
    .string()
    .optional()
    .describe(
      "user@host or host to fetch attachments from; auto-detected from an SSH wrapper cliPath when unset.",
    ),
  /** Native SSH transport. */
  remote: remoteSchema.optional(),
  /** Default send service. */
  service: serviceSchema.optional(),
  /** Region for phone-number normalisation. */
  region: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code such as "US"')
    .optional()
    .describe('Two-letter region for phone-number normalisation and sends. Default "US".'),
  /** DM policy. */
  dmPolicy: dmPolicySchema.optional(),
  /** DM allowlist. */
  allowFrom: z
    .array(allowEntry)
    .optional()
    .describe('DM allowlist: handles (phone numbers, emails) or "*" for everyone.'),
  /** Group sender allowlist. */
  groupAllowFrom: z
    .array(allowEntry)
    .optional()
    .describe(
      "Group sender allowlist (handles or chat_id:/chat_guid:/chat_identifier: entries); falls back to allowFrom.",
    ),
  /** Group policy. */
  groupPolicy: groupPolicySchema.optional(),
  /** Group history size. */
  historyLimit: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("Group history kept for context; then messages.groupChat.historyLimit, then 50. 0 disables."),
  /** DM history size. */
  dmHistoryLimit: z.number().int().min(0).optional().describe("Caps DM history at N user turns."),
  /** Per-DM settings. */
  dms: z.record(z.string(), dmEntrySchema).optional().describe("Per-DM settings keyed by normalised handle."),
  /** Per-group settings and group allowlist. */
  groups: z
    .record(z.string(), groupEntrySchema)
    .superRefine((groups, ctx) => {
      for (const key of Object.keys(groups)) {
        const why = explainGroupKey(key);
        if (why) ctx.addIssue({ code: "custom", path: [key], message: why });
      }
    })
    .optional()
    .describe(
      'Group allowlist and settings keyed by the numeric chat_id (see "imgate chats"); "*" supplies defaults and allows every group.',
    ),
  /** Whether attachments are passed to the agent. */
  includeAttachments: z
    .boolean()
    .optional()
    .describe("Pass inbound attachments to the agent. Default false."),
  /** Attachment size cap. */
  mediaMaxMb: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Largest attachment in MB (whole number), inbound and outbound. Default 16."),
  /** Chunk size for outgoing text. */
  textChunkLimit: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Maximum characters per sent message. Default 4000."),
  /** How long replies are split. */
  chunkMode: z
    .enum(["length", "newline"])
    .optional()
    .describe('"length" splits at the limit; "newline" prefers paragraph breaks. Default "length".'),
  /** Whether block streaming is enabled. */
  blockStreaming: z.boolean().optional().describe("Send reply blocks as they stream."),
  /** Block coalescing. */
  blockStreamingCoalesce: blockStreamingCoalesceSchema.optional(),
  /** Heartbeat visibility. */
  heartbeat: heartbeatSchema.optional(),
  /** What strangers get under dmPolicy "pairing". */
  pairingReply: z
    .enum(["code", "silent"])
    .optional()
    .describe(
      '"code" answers a stranger with a pairing code (rate-limited); "silent" never answers. Default "code".',
    ),
  /** Read receipts for accepted messages (needs imsg's bridge `read`). */
  sendReadReceipts: z
    .boolean()
    .optional()
    .describe(
      "Mark an accepted message read when its agent turn starts, when imsg lists `read` as usable (its IMCore bridge runs). Messages that are not answered (strangers, unmentioned group chatter) are never marked read. Default true.",
    ),
  /** Where the typing bubble is shown while the agent works (needs imsg's bridge `typing`). */
  typingIndicator: z
    .enum(["dm", "all", "off"])
    .optional()
    .describe(
      'Show the typing bubble from the moment a turn is accepted until it ends, when imsg lists `typing` as usable: "dm" in direct chats only, "all" in groups too, "off" never. Default "dm".',
    ),
  /** Which inbound tapbacks reach the agent as event turns. */
  reactionNotifications: z
    .enum(["own", "all", "off"])
    .optional()
    .describe(
      'Inbound tapbacks are never text turns. "own": a tapback on one of the bot\'s own messages reaches the agent as an event turn (reaction, target, who reacted; no text) that it may answer or ignore; "all": every tapback from an allowed sender; "off": none. Default "own".',
    ),
  /** imsg watch debounce. */
  watchDebounceMs: z
    .int()
    .min(0)
    .max(10_000)
    .optional()
    .describe(
      "debounce_ms passed to imsg's watch.subscribe: how long imsg waits after a chat.db change before reading it (imsg's own default is 500). Lower is snappier. Read by the account that owns the watch. Default 100.",
    ),
  /** Age limits for answering inbound messages. */
  maxMessageAge: maxMessageAgeSchema.optional(),
  /** Outbound limits (held, never dropped). */
  limits: sendLimitsSchema.optional(),
  /** Deaf-stream watchdog. */
  deafStreamMs: z
    .int()
    .min(0)
    .max(3_600_000)
    .optional()
    .describe(
      "When imsg has rows the watch did not deliver for longer than this (ms), the gateway resubscribes from its cursor and logs a warning. 0 = off. Default 60000.",
    ),
  /** Folders on the remote Mac that attachments may be fetched from. */
  remoteAttachmentRoots: z
    .array(z.string())
    .optional()
    .describe('Remote folders attachments may be fetched from. Default ["~/Library/Messages/Attachments"].'),
};

/** One `accounts.<id>` entry: the same keys as the top level, without `accounts`. */
export const imessageAccountSchema = strictObject(imessageAccountShape).describe(
  "An iMessage account; inherits every top-level key it does not set.",
);

/** The whole `channels.imessage` section (flat, or with `accounts`). */
export const imessageSectionSchema = strictObject({
  ...imessageAccountShape,
  /** How long a sender whose pairing request was rejected gets no new code (channel-wide). */
  pairingRejectCooldownMs: z
    .int()
    .min(0)
    .max(30 * 24 * 3_600_000)
    .optional()
    .describe(
      "After `imgate pairing reject`, how long that sender gets no new pairing code (their DMs are dropped), in milliseconds. Default 86400000 (24 h); 0 turns the cooldown off. Read at start.",
    ),
  /** Named accounts. */
  accounts: z
    .record(z.string(), imessageAccountSchema)
    .optional()
    .describe("Named accounts; when present, only these run (the top level supplies their defaults)."),
}).describe("iMessage channel (imsg) settings.");

/** Raw (unresolved) account config as written in the file. */
export type ImessageAccountConfig = z.infer<typeof imessageAccountSchema>;
/** Raw (unresolved) `channels.imessage` section as written in the file. */
export type ImessageSectionConfig = z.infer<typeof imessageSectionSchema>;
/** Remote SSH settings. */
export type ImessageRemoteConfig = z.output<typeof remoteSchema>;
/** DM policy values. */
export type DmPolicy = z.infer<typeof dmPolicySchema>;
/** Group policy values. */
export type GroupPolicy = z.infer<typeof groupPolicySchema>;
/** Send service values. */
export type ImessageService = z.infer<typeof serviceSchema>;
