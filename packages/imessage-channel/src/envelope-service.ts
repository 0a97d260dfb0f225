/**
 * The iMessage service (iMessage vs SMS) and chat references of an envelope. channel-core's envelope is
 * channel-agnostic and has no field for them, so `messageToInbound` records them here, keyed by the envelope
 * object, for allowlist checks (`imessage:` entries, `chat_guid:` / `chat_identifier:` entries).
 */
import type { Envelope } from "@imgate/channel-core";
import { type MessageService, serviceOfChatGuid } from "./allowlist.ts";

/** What an iMessage envelope's conversation is called besides its chat id. */
export interface EnvelopeChatRefs {
  service: MessageService;
  /** `chat.guid` (e.g. `iMessage;-;+15551234567`), when imsg reported one. */
  chatGuid?: string;
  /** `chat.chat_identifier` (e.g. `+15551234567` or `chat123…`), when imsg reported one. */
  chatIdentifier?: string;
}

const refs = new WeakMap<Envelope, EnvelopeChatRefs>();

/** Remembers the service and chat references of an envelope built from an imsg message. */
export function recordEnvelopeService(
  envelope: Envelope,
  chatGuid: string | undefined,
  chatIdentifier?: string,
): void {
  refs.set(envelope, {
    service: serviceOfChatGuid(chatGuid),
    ...(chatGuid ? { chatGuid } : {}),
    ...(chatIdentifier ? { chatIdentifier } : {}),
  });
}

/**
 * The service of an envelope made by `messageToInbound`; `"unknown"` for any other envelope, so a
 * service-prefixed allowlist entry fails closed on it.
 */
export function imessageServiceOf(envelope: Envelope): MessageService {
  return refs.get(envelope)?.service ?? "unknown";
}

/** The chat references of an envelope made by `messageToInbound` (`service` `"unknown"` for others). */
export function imessageChatRefsOf(envelope: Envelope): EnvelopeChatRefs {
  return refs.get(envelope) ?? { service: "unknown" };
}
