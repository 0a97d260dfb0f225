/**
 * The legacy text form of a tapback: what Messages sends to (and some devices still send as) a plain message,
 * `Loved “see you at 6”` or `Removed a heart from “see you at 6”`. Recognised so it is never answered as text.
 */

/** A tapback read from its legacy text form. */
export interface LegacyTapback {
  /** `love`, `like`, `dislike`, `laugh`, `emphasis` or `question` (imsg's names). */
  kind: string;
  added: boolean;
  /** The quoted text of the message reacted to. */
  quoted: string;
}

const ADDED: ReadonlyArray<[prefix: string, kind: string]> = [
  ["Loved", "love"],
  ["Liked", "like"],
  ["Disliked", "dislike"],
  ["Laughed at", "laugh"],
  ["Emphasized", "emphasis"],
  ["Questioned", "question"],
];

const REMOVED: ReadonlyArray<[prefix: string, kind: string]> = [
  ["Removed a heart from", "love"],
  ["Removed a like from", "like"],
  ["Removed a dislike from", "dislike"],
  ["Removed a laugh from", "laugh"],
  ["Removed an exclamation from", "emphasis"],
  ["Removed a question mark from", "question"],
];

/** `“…”` (as Messages writes it) or `"…"`, covering the whole rest of the text. */
const QUOTED = /^(?:“([\s\S]*)”|"([\s\S]*)")$/u;

/** The tapback a message's text stands for, or undefined when it is ordinary text. */
export function parseLegacyTapback(text: string): LegacyTapback | undefined {
  const trimmed = text.trim();
  for (const [table, added] of [
    [ADDED, true],
    [REMOVED, false],
  ] as const) {
    for (const [prefix, kind] of table) {
      if (!trimmed.startsWith(`${prefix} `)) continue;
      const match = QUOTED.exec(trimmed.slice(prefix.length + 1));
      const quoted = match?.[1] ?? match?.[2];
      if (quoted !== undefined) return { kind, added, quoted };
    }
  }
  return undefined;
}
