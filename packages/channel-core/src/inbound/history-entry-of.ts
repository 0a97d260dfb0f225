import { envelopeTextOf } from "../describe-reaction.ts";
import type { Envelope } from "../envelope.ts";
import type { HistoryEntry } from "../history-store.ts";

/**
 * The session-history entry of an inbound message (the sender's raw form kept as a label when it differs; a
 * tapback is described, since it has no text).
 */
export function historyEntryOf(envelope: Envelope): HistoryEntry {
  const entry: HistoryEntry = {
    sender: envelope.sender,
    text: envelopeTextOf(envelope),
    messageId: envelope.messageId,
    timestamp: envelope.timestamp,
  };
  if (envelope.sender !== envelope.senderRaw)
    entry.senderLabel = `${envelope.sender} (${envelope.senderRaw})`;
  return entry;
}
