import type { AttachmentDescriptor } from "@imgate/channel-core";
import { attachmentKind, omittedAttachmentsOf, selectAttachments } from "./attachments.ts";
import { type ImessageEnvelope, imessageChannelData } from "./envelope-service.ts";
import { normalizeHandle } from "./handle.ts";
import type { ImsgMessage } from "./imsg-port.ts";
import type { GroupReason, InboundOutcome, ReactionEvent } from "./inbound-outcome.ts";
import { parseLegacyTapback } from "./legacy-tapback.ts";
import type { ResolvedImessageAccount } from "./resolve-accounts.ts";

/** The account settings {@link messageToInbound} reads. */
export type InboundAccountView = Pick<
  ResolvedImessageAccount,
  "accountId" | "region" | "groups" | "includeAttachments" | "mediaMaxMb"
>;

/**
 * Whether the conversation is a group: `is_group`, or an explicit `groups["<chat_id>"]` entry (`"*"`
 * does not count; PR #535, decision Q10).
 */
export function groupReasonOf(
  message: ImsgMessage,
  account: Pick<ResolvedImessageAccount, "groups">,
): GroupReason {
  if (message.is_group) return "is_group";
  if (message.chat_id > 0 && Object.hasOwn(account.groups, String(message.chat_id))) return "groups-entry";
  return "none";
}

function timestampOf(createdAt: string): number {
  const parsed = Date.parse(createdAt);
  return Number.isNaN(parsed) ? 0 : parsed;
}

/**
 * A voice memo carries no typed text: when imsg reports text on a message whose only file is audio, that text
 * is Apple's own transcript (imsg swaps it in from the attachment's `audio-transcription`, protocol §3), so it
 * is kept on the attachment too and no second transcription is made (issue 14).
 */
function withAppleTranscript(attachments: AttachmentDescriptor[], text: string): AttachmentDescriptor[] {
  const [only] = attachments;
  // A file-only message's text is U+FFFC (the attachment's place in the attributed string): not a transcript.
  if (attachments.length !== 1 || !only || text.replaceAll("\uFFFC", "").trim() === "") return attachments;
  if (attachmentKind(only.mimeType) !== "audio") return attachments;
  return [{ ...only, transcript: text }];
}

/**
 * Turns one imsg message into a turn, a reaction event (a reaction row, or the legacy text form `Loved “…”`),
 * or a drop. Rows with `chat_id` ≤ 0 are dropped
 * as `unanchored` (fail closed; never answered in a DM) — repair them first with `repairAnchorlessMessage`.
 */
export function messageToInbound(message: ImsgMessage, account: InboundAccountView): InboundOutcome {
  const senderRaw = message.sender.trim();
  if (senderRaw === "") return { kind: "drop", reason: "empty-sender" };
  if (message.is_from_me) return { kind: "drop", reason: "from-me" };
  if (!(message.chat_id > 0)) {
    return {
      kind: "drop",
      reason: "unanchored",
      detail: `message ${message.id} has no chat (chat_id ${message.chat_id})`,
    };
  }
  const region = account.region;
  const sender = normalizeHandle(senderRaw, { region });
  const groupReason = groupReasonOf(message, account);
  const chatType = groupReason === "none" ? "direct" : "group";
  const chatKey = String(message.chat_id);
  const timestamp = timestampOf(message.created_at);

  const baseEnvelope = (text: string, attachments: ImessageEnvelope["attachments"]): ImessageEnvelope => {
    const envelope: ImessageEnvelope = {
      channel: "imessage",
      accountId: account.accountId,
      chatType,
      chatKey,
      senderRaw,
      sender,
      text,
      attachments,
      timestamp,
      messageId: String(message.id),
      guid: message.guid || `rowid:${message.id}`,
      participants: (message.participants ?? []).map((p) => normalizeHandle(p, { region })),
      channelData: imessageChannelData(message.chat_id, message.chat_guid, message.chat_identifier),
    };
    if (message.chat_name) envelope.chatName = message.chat_name;
    return envelope;
  };
  const legacy = message.is_reaction ? undefined : parseLegacyTapback(message.text);
  if (message.is_reaction || legacy) {
    const event: ReactionEvent = {
      channel: "imessage",
      accountId: account.accountId,
      chatType,
      chatKey,
      chatId: message.chat_id,
      sender,
      senderRaw,
      reaction: legacy?.kind ?? message.reaction_type ?? "custom",
      ...(message.reaction_emoji ? { emoji: message.reaction_emoji } : {}),
      added: legacy ? legacy.added : message.is_reaction_add !== false,
      targetGuid: legacy ? "" : (message.reacted_to_guid ?? ""),
      ...(legacy ? { targetText: legacy.quoted, legacy: true } : {}),
      guid: message.guid,
      timestamp,
    };
    return {
      kind: "reaction",
      event,
      envelope: reactionEnvelope(baseEnvelope("", []), event),
      chatId: message.chat_id,
      replyTarget: { kind: "chat_id", chatId: message.chat_id },
      groupReason,
    };
  }

  const attachments = selectAttachments(message.attachments, account);
  // Text is passed through exactly as sent (decision Q12); no placeholder for media-only messages (Q4).
  const text = message.text;
  const omitted = omittedAttachmentsOf(attachments);
  if (text.trim() === "" && attachments.kept.length === 0 && omitted.length === 0) {
    return {
      kind: "drop",
      reason: "empty",
      detail: `message ${message.id} has no text and no usable attachment`,
    };
  }
  const envelope = baseEnvelope(text, withAppleTranscript(attachments.kept, text));
  if (omitted.length > 0) envelope.omittedAttachments = omitted;
  if (message.reply_to_text && message.reply_to_text.trim() !== "") {
    envelope.replyTo = {
      text: message.reply_to_text,
      ...(message.reply_to_guid ? { id: message.reply_to_guid } : {}),
      ...(message.reply_to_sender ? { sender: normalizeHandle(message.reply_to_sender, { region }) } : {}),
    };
  }
  return {
    kind: "turn",
    envelope,
    chatId: message.chat_id,
    replyTarget: { kind: "chat_id", chatId: message.chat_id },
    groupReason,
    refusedAttachments: attachments.refused,
  };
}

/**
 * The envelope of a tapback event: `reaction` set, no text. The target's text and ownership are filled in as
 * far as the event knows them (the inbound processor looks the target up first).
 */
export function reactionEnvelope(base: ImessageEnvelope, event: ReactionEvent): ImessageEnvelope {
  return {
    ...base,
    text: "",
    attachments: [],
    reaction: {
      kind: event.reaction,
      ...(event.emoji !== undefined ? { emoji: event.emoji } : {}),
      added: event.added,
      target: {
        ...(event.targetGuid !== "" ? { id: event.targetGuid } : {}),
        ...(event.targetText !== undefined ? { text: event.targetText } : {}),
        ...(event.targetFromMe !== undefined ? { fromMe: event.targetFromMe } : {}),
      },
      ...(event.legacy ? { legacy: true } : {}),
    },
  };
}
