/**
 * The iMessage service (iMessage vs SMS) of an envelope. channel-core's envelope is channel-agnostic and has
 * no field for it, so `messageToInbound` records it here, keyed by the envelope object, for allowlist checks.
 */
import type { Envelope } from "@imgate/channel-core";
import { type MessageService, serviceOfChatGuid } from "./allowlist.ts";

const services = new WeakMap<Envelope, MessageService>();

/** Remembers the service of an envelope built from an imsg message with this chat guid. */
export function recordEnvelopeService(envelope: Envelope, chatGuid: string | undefined): void {
  services.set(envelope, serviceOfChatGuid(chatGuid));
}

/**
 * The service of an envelope made by `messageToInbound`; `"unknown"` for any other envelope, so a
 * service-prefixed allowlist entry fails closed on it.
 */
export function imessageServiceOf(envelope: Envelope): MessageService {
  return services.get(envelope) ?? "unknown";
}
