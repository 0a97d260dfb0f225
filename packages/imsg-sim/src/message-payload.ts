import { existsSync, statSync } from "node:fs";
import { appleNsToIso } from "./apple-time.ts";
import { decodeAttributedBody } from "./attributed-body.ts";
import { type ChatInfo, isGroupChat } from "./chat-directory.ts";
import { expandHome } from "./home-path.ts";
import type { AttachmentRow, MessageRow, MessageStore, ReactionRow } from "./message-store.ts";

/** Attachment object of §3.1. */
export interface AttachmentPayload {
  filename: string;
  transfer_name: string;
  uti: string;
  mime_type: string;
  total_bytes: number;
  is_sticker: boolean;
  original_path: string;
  missing: boolean;
}

/** Reaction summary object of §3.2. */
export interface ReactionPayload {
  id: number;
  type: string;
  emoji: string;
  sender: string;
  is_from_me: boolean;
  created_at: string;
}

/** The message object of §3 (nil optionals are omitted, never null). */
export interface MessagePayload {
  id: number;
  chat_id: number;
  guid: string;
  reply_to_guid?: string;
  thread_originator_guid?: string;
  reply_to_text?: string;
  reply_to_sender?: string;
  sender: string;
  is_from_me: boolean;
  text: string;
  created_at: string;
  attachments: AttachmentPayload[];
  reactions: ReactionPayload[];
  destination_caller_id?: string;
  is_reaction?: boolean;
  reaction_type?: string;
  reaction_emoji?: string;
  is_reaction_add?: boolean;
  reacted_to_guid?: string;
  chat_identifier: string;
  chat_guid: string;
  chat_name: string;
  participants: string[];
  is_group: boolean;
}

/** What to include when building a payload. */
export interface PayloadOptions {
  /** Populate `attachments` (else `[]`). */
  attachments: boolean;
  /** Populate `reactions` (else `[]`). */
  reactions: boolean;
}

const REACTION_NAMES = ["love", "like", "dislike", "laugh", "emphasis", "question", "custom"] as const;
const REACTION_EMOJI = ["❤️", "👍", "👎", "😂", "‼️", "❓"] as const;

/** True for tapback rows (`associated_message_type` 2000–3006). */
export function isReactionType(type: number): boolean {
  return type >= 2000 && type <= 3006;
}

/** Name and emoji of a tapback type; undefined when a custom emoji cannot be parsed from its text. */
export function describeReaction(type: number, text: string): { name: string; emoji: string } | undefined {
  const base = type >= 3000 ? type - 3000 : type - 2000;
  const name = REACTION_NAMES[base];
  if (!name) return undefined;
  if (name === "custom") {
    const match = /^Reacted (.+?) to /u.exec(text);
    return match?.[1] ? { name, emoji: match[1] } : undefined;
  }
  return { name, emoji: REACTION_EMOJI[base] ?? "" };
}

/** `p:0/GUID` → `GUID` (the prefix up to the last `/` is dropped). */
export function normalizeAssociatedGuid(guid: string): string {
  const slash = guid.lastIndexOf("/");
  return slash >= 0 ? guid.slice(slash + 1) : guid;
}

/** The text imsg shows for a row: `text`, else the decoded `attributedBody` (§3, §5.3). */
export function messageText(row: Pick<MessageRow, "text" | "attributedBody">): string {
  return row.text !== "" ? row.text : decodeAttributedBody(row.attributedBody);
}

function senderOf(row: { handle: string; destinationCallerId: string }): string {
  return row.handle !== "" ? row.handle : row.destinationCallerId;
}

/** Builds the §3.1 attachment object; `original_path` expands `~` against this process's home. */
export function attachmentPayload(a: AttachmentRow): AttachmentPayload {
  const originalPath = a.filename === "" ? "" : expandHome(a.filename);
  let missing = true;
  if (originalPath !== "" && existsSync(originalPath)) missing = statSync(originalPath).isDirectory();
  return {
    filename: a.filename,
    transfer_name: a.transferName,
    uti: a.uti,
    mime_type: a.mimeType,
    total_bytes: a.totalBytes,
    is_sticker: a.isSticker,
    original_path: originalPath,
    missing,
  };
}

/** The §3.2 summary: adds in date order, a removal deletes the matching earlier add. */
export function summarizeReactions(rows: ReactionRow[]): ReactionPayload[] {
  const out: ReactionPayload[] = [];
  for (const row of rows) {
    const kind = describeReaction(row.type, row.text);
    if (!kind) continue;
    const sender = senderOf(row);
    if (row.type >= 3000) {
      const index = out.findIndex(
        (r) => r.sender === sender && r.is_from_me === row.isFromMe && r.type === kind.name,
      );
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    out.push({
      id: row.rowid,
      type: kind.name,
      emoji: kind.emoji,
      sender,
      is_from_me: row.isFromMe,
      created_at: appleNsToIso(row.date),
    });
  }
  return out;
}

/**
 * Builds the §3 message object for a row. `chatId` is what the caller reports (the requested chat for history,
 * the row's join or 0 for watch); `chat` supplies the five chat fields (empty when undefined).
 */
export function buildMessagePayload(
  store: MessageStore,
  row: MessageRow,
  chatId: number,
  chat: ChatInfo | undefined,
  options: PayloadOptions,
): MessagePayload {
  const reaction = isReactionType(row.associatedType);
  const payload: MessagePayload = {
    id: row.rowid,
    chat_id: chatId,
    guid: row.guid,
  } as MessagePayload;
  if (!reaction && row.associatedGuid !== "")
    payload.reply_to_guid = normalizeAssociatedGuid(row.associatedGuid);
  if (!reaction && row.threadOriginatorGuid !== "") payload.thread_originator_guid = row.threadOriginatorGuid;
  if (!reaction) {
    const parentGuid = row.threadOriginatorGuid || payload.reply_to_guid;
    const parent = parentGuid ? store.byGuid(parentGuid) : undefined;
    if (parent) {
      const parentText = messageText(parent);
      if (parentText !== "") payload.reply_to_text = parentText;
      const parentSender = senderOf(parent);
      if (parentSender !== "") payload.reply_to_sender = parentSender;
    }
  }
  payload.sender = senderOf(row);
  payload.is_from_me = row.isFromMe;
  payload.text = messageText(row);
  if (row.isAudioMessage) {
    const transcript = store.audioTranscription(row.rowid);
    if (transcript !== undefined) payload.text = transcript;
  }
  payload.created_at = appleNsToIso(row.date);
  payload.attachments = options.attachments ? store.attachments(row.rowid).map(attachmentPayload) : [];
  payload.reactions = options.reactions && !reaction ? summarizeReactions(store.reactionsTo(row.guid)) : [];
  if (row.destinationCallerId !== "") payload.destination_caller_id = row.destinationCallerId;
  if (reaction) {
    payload.is_reaction = true;
    const kind = describeReaction(row.associatedType, payload.text);
    if (kind) {
      payload.reaction_type = kind.name;
      payload.reaction_emoji = kind.emoji;
    }
    payload.is_reaction_add = row.associatedType < 3000;
    payload.reacted_to_guid = normalizeAssociatedGuid(row.associatedGuid);
  }
  payload.chat_identifier = chat?.chat.identifier ?? "";
  payload.chat_guid = chat?.chat.guid ?? "";
  payload.chat_name = chat?.chat.name ?? "";
  payload.participants = chat?.participants ?? [];
  payload.is_group = chat ? isGroupChat(chat.chat) : false;
  return payload;
}
