/** What becomes of one imsg message on the way in. */
import type { ChatType, Envelope } from "@imgate/channel-core";
import type { AttachmentSelection } from "./attachments.ts";
import type { ImessageEnvelope } from "./envelope-service.ts";
import type { ImessageTarget } from "./target.ts";

/** Why an inbound message produced no turn. Stable strings: they feed drop counters. */
export type InboundDropReason =
  | "empty-sender"
  | "from-me"
  | "echo"
  | "mirror"
  | "self-reflection"
  | "url-preview-duplicate"
  | "loop-breaker"
  | "unanchored"
  | "empty"
  | "invalid";

/** A tapback on an earlier message: an event for the gateway, never an agent turn. */
export interface ReactionEvent {
  channel: "imessage";
  accountId: string;
  chatType: ChatType;
  /** Conversation key, as in envelopes. */
  chatKey: string;
  chatId: number;
  /** Normalised sender. */
  sender: string;
  senderRaw: string;
  /** `love`, `like`, `dislike`, `laugh`, `emphasis`, `question` or `custom`. */
  reaction: string;
  /** The emoji of a custom reaction, when known. */
  emoji?: string;
  /** `true` when added, `false` when removed. */
  added: boolean;
  /** Guid of the message reacted to (`""` for a legacy text tapback until its target is found). */
  targetGuid: string;
  /** Text of the message reacted to, when known (the quote of a legacy tapback, or looked up). */
  targetText?: string;
  /** Whether the message reacted to is one of the bot's own; absent when it could not be found. */
  targetFromMe?: boolean;
  /** Recognised from the legacy text form (`Loved “…”`) of an ordinary row. */
  legacy?: boolean;
  /** Guid of the reaction row. */
  guid: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
}

/** How a conversation came to be treated as a group. */
export type GroupReason = "is_group" | "groups-entry" | "none";

/** One inbound message's result. */
export type InboundOutcome =
  | {
      kind: "turn";
      envelope: Envelope;
      /** chat.db chat id (> 0). */
      chatId: number;
      /** Where the reply goes: always `chat_id` (one session per conversation, decision Q13). */
      replyTarget: ImessageTarget;
      /** Why the chat is a group, or `none` for a DM. */
      groupReason: GroupReason;
      /** Attachments that were left out, with reasons. */
      refusedAttachments: AttachmentSelection["refused"];
    }
  | {
      kind: "reaction";
      event: ReactionEvent;
      /** The event as an envelope (empty text, `reaction` set), for the inbound pipeline. */
      envelope: ImessageEnvelope;
      chatId: number;
      replyTarget: ImessageTarget;
      groupReason: GroupReason;
    }
  | { kind: "drop"; reason: InboundDropReason; detail?: string };
