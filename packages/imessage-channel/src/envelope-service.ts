/**
 * The iMessage part of an envelope: the service (iMessage vs SMS) and the chat references that channel-core's
 * envelope has no field for, carried in its typed channel-data slot, for allowlist checks (`imessage:` /
 * `sms:` entries, `chat_id:`, `chat_guid:` and `chat_identifier:` entries).
 */
import type { Envelope } from "@imgate/channel-core";
import { type MessageService, serviceOfChatGuid } from "./allowlist.ts";

/** What an iMessage envelope's conversation is called besides its chat key. */
export interface ImessageChannelData {
  service: MessageService;
  /** The chat's `chat_id` (ROWID in chat.db), when positive. */
  chatId?: number;
  /** `chat.guid` (e.g. `iMessage;-;+15551234567`), when imsg reported one. */
  chatGuid?: string;
  /** `chat.chat_identifier` (e.g. `+15551234567` or `chat123…`), when imsg reported one. */
  chatIdentifier?: string;
}

/** An envelope built by this channel, with its {@link ImessageChannelData}. */
export type ImessageEnvelope = Envelope<ImessageChannelData>;

const SERVICES: ReadonlySet<unknown> = new Set<MessageService>(["imessage", "sms", "unknown"]);
const UNKNOWN: ImessageChannelData = { service: "unknown" };

/** The channel data of an imsg message's conversation. */
export function imessageChannelData(
  chatId: number | undefined,
  chatGuid: string | undefined,
  chatIdentifier?: string,
): ImessageChannelData {
  return {
    service: serviceOfChatGuid(chatGuid),
    ...(chatId !== undefined && Number.isInteger(chatId) && chatId > 0 ? { chatId } : {}),
    ...(chatGuid ? { chatGuid } : {}),
    ...(chatIdentifier ? { chatIdentifier } : {}),
  };
}

const optional = (value: unknown, type: "string" | "number") => value === undefined || typeof value === type;

/** Whether `value` has the shape of {@link ImessageChannelData} (it may come back from the state store). */
function isImessageChannelData(value: unknown): value is ImessageChannelData {
  if (typeof value !== "object" || value === null) return false;
  const data = value as Record<string, unknown>;
  return (
    SERVICES.has(data.service) &&
    optional(data.chatId, "number") &&
    optional(data.chatGuid, "string") &&
    optional(data.chatIdentifier, "string")
  );
}

/**
 * The chat references of an envelope made by `messageToInbound`; `{ service: "unknown" }` for an envelope
 * of another channel or without valid iMessage data, so a service-prefixed or chat allowlist entry fails
 * closed on it.
 */
export function imessageChatRefsOf(envelope: Envelope): ImessageChannelData {
  if (envelope.channel !== "imessage") return UNKNOWN;
  return isImessageChannelData(envelope.channelData) ? envelope.channelData : UNKNOWN;
}

/** The service of an envelope made by `messageToInbound` (`"unknown"` for others). */
export function imessageServiceOf(envelope: Envelope): MessageService {
  return imessageChatRefsOf(envelope).service;
}
