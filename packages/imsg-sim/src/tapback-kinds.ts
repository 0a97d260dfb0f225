/** The six standard tapbacks as chat.db stores them (`associated_message_type` 2000+i add, 3000+i remove). */
export const TAPBACK_KINDS = ["love", "like", "dislike", "laugh", "emphasis", "question"] as const;

/** One of {@link TAPBACK_KINDS}. */
export type TapbackKind = (typeof TAPBACK_KINDS)[number];

/** Names the `tapback` method and `inject` accept for a kind (imsg's `emphasize` spelling included). */
const ALIASES: Readonly<Record<string, TapbackKind>> = {
  love: "love",
  heart: "love",
  "❤️": "love",
  like: "like",
  "👍": "like",
  dislike: "dislike",
  "👎": "dislike",
  laugh: "laugh",
  haha: "laugh",
  "😂": "laugh",
  emphasis: "emphasis",
  emphasize: "emphasis",
  "‼️": "emphasis",
  question: "question",
  "❓": "question",
};

/** The kind a name or emoji stands for, or undefined when it is not one of the six. */
export function tapbackKindOf(name: string): TapbackKind | undefined {
  return ALIASES[name.trim().toLowerCase()];
}

/** `associated_message_type` of a tapback: 2000–2005 to add, 3000–3005 to remove. */
export function tapbackType(kind: TapbackKind, remove: boolean): number {
  return (remove ? 3000 : 2000) + TAPBACK_KINDS.indexOf(kind);
}

const ADDED: Record<TapbackKind, string> = {
  love: "Loved",
  like: "Liked",
  dislike: "Disliked",
  laugh: "Laughed at",
  emphasis: "Emphasized",
  question: "Questioned",
};

const REMOVED: Record<TapbackKind, string> = {
  love: "Removed a heart from",
  like: "Removed a like from",
  dislike: "Removed a dislike from",
  laugh: "Removed a laugh from",
  emphasis: "Removed an exclamation from",
  question: "Removed a question mark from",
};

/**
 * The text Messages stores on a tapback row, which is also what a device without tapback support receives as a
 * plain message (the legacy form): `Loved “hello”`, `Removed a heart from “hello”`.
 */
export function tapbackText(kind: TapbackKind, quoted: string, remove = false): string {
  return `${remove ? REMOVED[kind] : ADDED[kind]} “${quoted}”`;
}
