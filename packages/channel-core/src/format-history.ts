import type { EnvelopeFormatOptions } from "./format-envelope.ts";
import { formatEnvelopeText } from "./format-envelope.ts";

/** Header of the history block (§9.3). */
export const HISTORY_CONTEXT_MARKER = "[Chat messages since your last reply - for context]";
/** Header of the current message in the history block (§9.3). */
export const CURRENT_MESSAGE_MARKER = "[Current message - respond to this]";

/**
 * One earlier message of the conversation. Structurally a subset of the history store's
 * `HistoryEntry`, so stored entries can be passed as they are.
 */
export interface HistoryContextEntry {
  /** Sender id (normalised); the label when `senderLabel` is absent. */
  sender: string;
  /** How to show the sender, when different from `sender`. */
  senderLabel?: string;
  /** Message text as sent. */
  text: string;
  /** ms since the epoch. */
  timestamp?: number;
  /** The channel's message id; rendered as ` [id:<id>]`. */
  messageId?: string;
}

/** How history entries are rendered: the same header as the current message. */
export interface HistoryFormatOptions {
  /** Channel label, e.g. `iMessage`. */
  channelLabel: string;
  /** The current conversation's from-label (e.g. `Team id:42`). */
  fromLabel: string;
  /** Whether entries are group messages (sender prefix); default `group`. */
  chatType?: "group" | "direct";
  envelope?: EnvelopeFormatOptions;
}

/** Renders one history entry as its own envelope: `<text> [id:<messageId>]`, sender label = entry sender. */
export function formatHistoryEntry(entry: HistoryContextEntry, options: HistoryFormatOptions): string {
  const id = entry.messageId?.trim();
  return formatEnvelopeText({
    channelLabel: options.channelLabel,
    fromLabel: options.fromLabel,
    chatType: options.chatType ?? "group",
    senderLabel: entry.senderLabel?.trim() || entry.sender,
    body: id ? `${entry.text} [id:${id}]` : entry.text,
    timestamp: entry.timestamp,
    options: options.envelope,
  });
}

/**
 * Wraps the current (already formatted) envelope with the pending history (§9.3). Without entries the
 * current envelope is returned unchanged.
 */
export function formatHistoryContext(
  entries: readonly HistoryContextEntry[],
  current: string,
  options: HistoryFormatOptions,
): string {
  if (entries.length === 0) return current;
  const lines = entries.map((entry) => formatHistoryEntry(entry, options));
  return `${HISTORY_CONTEXT_MARKER}\n${lines.join("\n")}\n\n${CURRENT_MESSAGE_MARKER}\n${current}`;
}
