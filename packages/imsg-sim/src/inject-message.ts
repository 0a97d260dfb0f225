import { existsSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { unixMsToAppleNs } from "./apple-time.ts";
import { encodeAttributedBody } from "./attributed-body.ts";
import { openChatDb } from "./chat-db.ts";
import { ChatDbWriter } from "./chat-db-writer.ts";
import { abbreviateHome, expandHome } from "./home-path.ts";
import { messageText } from "./message-payload.ts";
import { MessageStore } from "./message-store.ts";
import { SimError } from "./sim-error.ts";
import { tapbackKindOf, tapbackText, tapbackType } from "./tapback-kinds.ts";
import { URL_BALLOON_BUNDLE_ID } from "./url-preview-deduper.ts";

/** What `inject` adds: one inbound message (and the handle, chat and joins it needs). */
export const InjectMessageOptionsSchema = z.strictObject({
  /** Sender handle (phone or email). */
  from: z.string().min(1),
  /** Message text. */
  text: z.string().default(""),
  /** Chat identifier; default: the sender's DM. */
  chatIdentifier: z.string().min(1).optional(),
  /** Make `chatIdentifier` a group chat (`;+;` guid). */
  group: z.boolean().default(false),
  /** Group display name. */
  name: z.string().optional(),
  /** Extra participants of a group chat. */
  participants: z.array(z.string().min(1)).default([]),
  /** A file to attach (path as Messages stores it; `~` kept, absolute paths under HOME abbreviated). */
  attachment: z.string().min(1).optional(),
  /**
   * Make it a voice memo (`is_audio_message`; attach a `.caf` file). A string is Apple's transcript, stored in
   * the attachment's `user_info` as `audio-transcription` (imsg reports it as the message text).
   */
  audio: z.union([z.boolean(), z.string()]).optional(),
  /** Store the text only in `attributedBody` (text column NULL). */
  attributedOnly: z.boolean().default(false),
  /** Message guid; default a new UUID. */
  guid: z.string().min(1).optional(),
  /** `iMessage` or `SMS`. */
  service: z.enum(["iMessage", "SMS"]).default("iMessage"),
  /** Message date (Unix ms); default now (strictly after existing rows). */
  dateMs: z.number().int().optional(),
  /** Write no chat join (a row Messages has not joined yet: all-chat watches see `chat_id:0` in 0.9). */
  unjoined: z.boolean().default(false),
  /** Also write the URL-preview duplicate row (`URLBalloonProvider`, same text). */
  urlPreview: z.boolean().default(false),
  /**
   * Make it a structured tapback (`love`, `like`, `dislike`, `laugh`, `emphasis`/`emphasize`, `question`, or a
   * 2000–3006 type) aimed at `reactedTo`. With no `text`, the row gets the text Messages stores (`Loved “…”`).
   */
  reaction: z
    .union([
      z.enum(["love", "like", "dislike", "laugh", "emphasis", "emphasize", "question"]),
      z.number().int().min(2000).max(3006),
    ])
    .optional(),
  /** With a named `reaction`: the removal (type 3000–3005, `Removed a heart from “…”`). */
  removeReaction: z.boolean().default(false),
  /** Guid of the message a tapback targets. */
  reactedTo: z.string().min(1).optional(),
  /** Guid of the thread originator (an inline reply). */
  replyTo: z.string().min(1).optional(),
  /**
   * Guid written as `associated_message_guid` (type 0), which imsg reports as `reply_to_guid`: the shape of
   * the mirror rows Messages writes for a sent text (openclaw/openclaw#135704) and of replies that carry it.
   */
  replyToGuid: z.string().min(1).optional(),
  /** The account's own handle (`destination_caller_id` of the inbound row). */
  selfHandle: z.string().default("me@icloud.com"),
});

/** Input of {@link injectMessage}. */
export type InjectMessageOptions = z.input<typeof InjectMessageOptionsSchema>;

/** What {@link injectMessage} wrote. */
export interface InjectedMessage {
  /** `message.ROWID`. */
  id: number;
  guid: string;
  chatId: number;
  /** ROWID of the URL-preview duplicate, when written. */
  previewId?: number;
}

/**
 * Adds one inbound message to a chat.db (path or open connection) in one transaction, creating the handle,
 * chat and joins as needed. The same code path as `imsg-sim inject`.
 */
export function injectMessage(db: string | DatabaseSync, input: InjectMessageOptions): InjectedMessage {
  const parsed = InjectMessageOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new SimError(
      "SIM_USAGE",
      `invalid inject options: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const o = parsed.data;
  if (o.reaction !== undefined && !o.reactedTo) {
    throw new SimError("SIM_USAGE", "a reaction needs reactedTo (the guid of the message it reacts to)");
  }
  if (o.reaction !== undefined && o.replyToGuid !== undefined) {
    throw new SimError(
      "SIM_USAGE",
      "a reaction cannot also have replyToGuid (both use associated_message_guid)",
    );
  }
  const connection = typeof db === "string" ? openChatDb(db) : db;
  try {
    const writer = new ChatDbWriter(connection);
    return writer.transaction(() => writeInbound(writer, o));
  } finally {
    if (typeof db === "string") connection.close();
  }
}

function writeInbound(writer: ChatDbWriter, o: z.output<typeof InjectMessageOptionsSchema>): InjectedMessage {
  const handleId = writer.ensureHandle(o.from, o.service);
  let chatId: number;
  if (o.chatIdentifier && o.group) {
    const others = o.participants.map((p) => writer.ensureHandle(p, o.service));
    chatId = writer.ensureChat(
      `${o.service};+;${o.chatIdentifier}`,
      o.chatIdentifier,
      o.service,
      o.name ?? "",
      [handleId, ...others],
    );
  } else if (o.chatIdentifier) {
    chatId = writer.ensureChat(
      `${o.service};-;${o.chatIdentifier}`,
      o.chatIdentifier,
      o.service,
      o.name ?? "",
      [handleId],
    );
  } else {
    chatId = writer.ensureDmChat(o.from, o.service);
  }
  const kind = typeof o.reaction === "string" ? tapbackKindOf(o.reaction) : undefined;
  const reactionType =
    kind !== undefined ? tapbackType(kind, o.removeReaction) : (o.reaction as number | undefined);
  let text = o.text === "" && o.attachment ? "\uFFFC" : o.text;
  if (text === "" && kind !== undefined && o.reactedTo !== undefined) {
    const target = new MessageStore(writer.db).byGuid(o.reactedTo);
    text = tapbackText(kind, target ? messageText(target) : "", o.removeReaction);
  }
  const dateNs = o.dateMs !== undefined ? unixMsToAppleNs(o.dateMs) : writer.nextDateNs();
  const base = {
    handleId,
    service: o.service,
    isFromMe: false,
    destinationCallerId: o.selfHandle,
    associatedGuid: reactionType !== undefined ? `p:0/${o.reactedTo}` : (o.replyToGuid ?? null),
    associatedType: reactionType ?? 0,
    threadOriginatorGuid: o.replyTo ?? null,
  };
  const message = writer.insertMessage({
    ...base,
    guid: o.guid,
    text: o.attributedOnly ? null : text,
    attributedBody: encodeAttributedBody(text),
    dateNs,
    ...(o.audio !== undefined && o.audio !== false ? { isAudioMessage: true } : {}),
  });
  if (!o.unjoined) writer.joinMessage(chatId, message.id, message.dateNs);
  if (o.attachment) {
    const tilde = o.attachment.startsWith("~");
    const absolute = tilde ? expandHome(o.attachment) : resolve(o.attachment);
    const exists = existsSync(absolute) && statSync(absolute).isFile();
    writer.addAttachment(message.id, {
      filename: tilde ? o.attachment : abbreviateHome(absolute),
      transferName: basename(o.attachment),
      totalBytes: exists ? statSync(absolute).size : 0,
      ...(typeof o.audio === "string" ? { userInfo: transcriptionPlist(o.audio) } : {}),
    });
  }
  const result: InjectedMessage = { id: message.id, guid: message.guid, chatId };
  if (o.urlPreview) {
    const preview = writer.insertMessage({
      ...base,
      text: o.attributedOnly ? null : text,
      attributedBody: encodeAttributedBody(text),
      balloonBundleId: URL_BALLOON_BUNDLE_ID,
      dateNs: message.dateNs + 1000n,
    });
    if (!o.unjoined) writer.joinMessage(chatId, preview.id, preview.dateNs);
    result.previewId = preview.id;
  }
  return result;
}

/** Writes the chat join of a message injected with `unjoined: true` (the late-join quirk's second half). */
export function joinInjectedMessage(db: string | DatabaseSync, messageId: number, chatId: number): void {
  const connection = typeof db === "string" ? openChatDb(db) : db;
  try {
    const writer = new ChatDbWriter(connection);
    const row = connection.prepare("SELECT date FROM message WHERE ROWID = ?");
    row.setReadBigInts(true);
    const found = row.get(messageId) as { date: bigint } | undefined;
    if (!found) throw new SimError("SIM_NOT_FOUND", `message ${messageId} does not exist; inject it first`);
    writer.joinMessage(chatId, messageId, found.date);
  } finally {
    if (typeof db === "string") connection.close();
  }
}

/** An XML plist with Apple's voice-memo transcript, as the `user_info` of the memo's attachment. */
function transcriptionPlist(transcript: string): string {
  const escaped = transcript.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  return `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>audio-transcription</key><string>${escaped}</string></dict></plist>`;
}
