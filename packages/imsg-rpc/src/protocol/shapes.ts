/**
 * The objects imsg emits (protocol §3, §4, §9), shared by every version family. Objects are loose:
 * fields a newer imsg adds pass through untouched; only what consumers rely on is required.
 */
import { z } from "zod";

/** An attachment on a message (§3.1). The code emits `total_bytes`/`original_path`, not the documented `byte_size`/`path`. */
export const attachmentSchema = z.looseObject({
  /** Raw `attachment.filename`, usually `~/Library/Messages/Attachments/…`. */
  filename: z.string().default(""),
  /** Name the sender gave the file. */
  transfer_name: z.string().default(""),
  uti: z.string().default(""),
  /** May be `""`. */
  mime_type: z.string().default(""),
  total_bytes: z.number().default(0),
  is_sticker: z.boolean().default(false),
  /** `filename` with `~` expanded on the machine that runs imsg; `""` when unknown. */
  original_path: z.string().default(""),
  /** True when the file is not on disk (not downloaded yet, or deleted). */
  missing: z.boolean().default(false),
  converted_path: z.string().optional(),
  converted_mime_type: z.string().optional(),
});

/** A tapback summary inside `message.reactions` (§3.2). */
export const reactionSchema = z.looseObject({
  id: z.number().optional(),
  type: z.string().optional(),
  emoji: z.string().optional(),
  sender: z.string().optional(),
  sender_name: z.string().optional(),
  is_from_me: z.boolean().optional(),
  created_at: z.string().optional(),
});

/** A message as emitted by `messages.history`, `messages.after` and `watch.subscribe` (§3). */
export const messageSchema = z.looseObject({
  /** chat.db ROWID: the watch cursor. */
  id: z.int(),
  /** 0 for rows not yet joined to a chat (≤0.9 all-chat watch). */
  chat_id: z.int(),
  /** May be `""` on databases without the reaction columns. */
  guid: z.string(),
  /** May be `""`; falls back to `destination_caller_id` (your own handle on outgoing rows). */
  sender: z.string(),
  is_from_me: z.boolean(),
  text: z.string(),
  /** ISO-8601 UTC with milliseconds. */
  created_at: z.string(),
  attachments: z.array(attachmentSchema).default([]),
  reactions: z.array(reactionSchema).default([]),
  chat_identifier: z.string().default(""),
  chat_guid: z.string().default(""),
  /** Often `""` for DMs. */
  chat_name: z.string().default(""),
  participants: z.array(z.string()).default([]),
  is_group: z.boolean(),
  reply_to_guid: z.string().optional(),
  thread_originator_guid: z.string().optional(),
  reply_to_text: z.string().optional(),
  reply_to_sender: z.string().optional(),
  sender_name: z.string().optional(),
  destination_caller_id: z.string().optional(),
  is_reaction: z.boolean().optional(),
  reaction_type: z.string().optional(),
  reaction_emoji: z.string().optional(),
  is_reaction_add: z.boolean().optional(),
  reacted_to_guid: z.string().optional(),
  balloon_bundle_id: z.string().optional(),
  is_read: z.boolean().optional(),
});

/** A chat as returned by `chats.list` (0.9 reduced payload, or the 0.14+ CLI payload) and `chats.get` (§4). */
export const chatSchema = z.looseObject({
  id: z.int(),
  identifier: z.string(),
  /** Omitted when empty in 0.14+; normalised to `""`. */
  guid: z.string().default(""),
  name: z.string().default(""),
  service: z.string().default(""),
  last_message_at: z.string().optional(),
  participants: z.array(z.string()).default([]),
  is_group: z.boolean(),
  contact_name: z.string().optional(),
  display_name: z.string().optional(),
  account_id: z.string().optional(),
  account_login: z.string().optional(),
  last_addressed_handle: z.string().optional(),
  unread_count: z.number().optional(),
});

/** The `status` / `initialize` snapshot (0.14+, §9). */
export const statusSchema = z.looseObject({
  version: z.string(),
  protocol_version: z.number().optional(),
  database: z
    .looseObject({
      path: z.string().optional(),
      ready: z.boolean().optional(),
      error: z.unknown().optional(),
    })
    .optional(),
  bridge: z.looseObject({ ready: z.boolean().optional() }).optional(),
  /** Methods usable right now. */
  methods: z.array(z.string()).optional(),
  /** Methods compiled into this binary. */
  supported_methods: z.array(z.string()).optional(),
  capabilities: z.looseObject({}).optional(),
});

/** The result of `send` (§2.4, §9). `id`/`guid` only when imsg observed the outgoing row. */
export const sendResultSchema = z.looseObject({
  ok: z.boolean(),
  transport: z.string().optional(),
  id: z.number().optional(),
  guid: z.string().optional(),
});

/** A message from imsg. */
export type Message = z.infer<typeof messageSchema>;
/** An attachment of a {@link Message}. */
export type Attachment = z.infer<typeof attachmentSchema>;
/** A reaction summary of a {@link Message}. */
export type Reaction = z.infer<typeof reactionSchema>;
/** A chat from imsg. */
export type Chat = z.infer<typeof chatSchema>;
/** The 0.14+ status snapshot. */
export type ImsgStatus = z.infer<typeof statusSchema>;
/** What `send` returned. */
export type SendResult = z.infer<typeof sendResultSchema>;
