import type { HistoryEntry } from "@imgate/channel-core";
import { TRANSCRIPT_MARKER } from "../agents/transcript-marker.ts";

/** A history entry with the transcripts the backend made of its voice memos, so later turns know what was said. */
export function withTranscripts(
  entry: HistoryEntry,
  transcripts: readonly string[] | undefined,
): HistoryEntry {
  if (!transcripts || transcripts.length === 0) return entry;
  const said = transcripts.map((transcript) => `${TRANSCRIPT_MARKER} ${transcript}`);
  return { ...entry, text: [entry.text, ...said].filter((part) => part !== "").join("\n") };
}
