import { envelopeTextOf } from "../describe-reaction.ts";
import type { Envelope } from "../envelope.ts";
import type { HistoryEntry } from "../history-store.ts";

/** The general kind of a file from its MIME type, for short placeholders. */
function kindOf(mimeType: string): string {
  const top = mimeType.toLowerCase().split("/")[0] ?? "";
  return top === "image" || top === "audio" || top === "video" ? top : "file";
}

/**
 * The short placeholders an envelope's files leave in the history, e.g. `[image IMG_0001.heic]`: later turns
 * know a photo was sent without carrying its bytes (issue 14). A voice memo's transcript is the message text.
 */
export function attachmentPlaceholders(envelope: Envelope): string[] {
  const kept = envelope.attachments.map((a) => `[${kindOf(a.mimeType)} ${a.name}]`);
  const omitted = (envelope.omittedAttachments ?? []).map(
    (a) => `[${kindOf(a.mimeType)} ${a.name}, not passed on: ${a.reason}]`,
  );
  return [...kept, ...omitted];
}

/**
 * The session-history entry of an inbound message (the sender's raw form kept as a label when it differs; a
 * tapback is described, since it has no text).
 */
export function historyEntryOf(envelope: Envelope): HistoryEntry {
  const placeholders = attachmentPlaceholders(envelope);
  // U+FFFC marks a file's place in the text; the placeholder names the file instead.
  const said =
    placeholders.length > 0 ? envelope.text.replaceAll("\uFFFC", "").trim() : envelopeTextOf(envelope);
  const text = [said, ...placeholders].filter((part) => part !== "").join("\n");
  const entry: HistoryEntry = {
    sender: envelope.sender,
    text,
    messageId: envelope.messageId,
    timestamp: envelope.timestamp,
  };
  if (envelope.sender !== envelope.senderRaw)
    entry.senderLabel = `${envelope.sender} (${envelope.senderRaw})`;
  return entry;
}
