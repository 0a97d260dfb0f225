import type { Envelope, EnvelopeReaction } from "./envelope.ts";

const VERBS: Record<string, [added: string, removed: string]> = {
  love: ["loved", "took back a heart from"],
  like: ["liked", "took back a like from"],
  dislike: ["disliked", "took back a dislike from"],
  laugh: ["laughed at", "took back a laugh from"],
  emphasis: ["emphasized", "took back an emphasis from"],
  question: ["questioned", "took back a question mark from"],
};

/**
 * One line saying what a tapback did, for the agent and the session history: `reacted ❤️ (love) to your
 * message “see you at 6”`. No message text of the reactor is involved: a tapback has none.
 */
export function describeReaction(reaction: EnvelopeReaction): string {
  const verbs = VERBS[reaction.kind];
  const emoji = reaction.emoji ? ` ${reaction.emoji}` : "";
  const verb = verbs
    ? verbs[reaction.added ? 0 : 1]
    : `${reaction.added ? "reacted" : "took back a reaction"}${emoji} (${reaction.kind}) ${reaction.added ? "to" : "from"}`;
  const whose =
    reaction.target.fromMe === true
      ? "your message"
      : reaction.target.fromMe === false
        ? "a message"
        : "message";
  const quoted = reaction.target.text !== undefined ? ` “${reaction.target.text}”` : "";
  return `[tapback] ${verb} ${whose}${quoted}`;
}

/** The text an envelope stands for in history and agent bodies: its text, or the description of its tapback. */
export function envelopeTextOf(envelope: Pick<Envelope, "text" | "reaction">): string {
  return envelope.reaction ? describeReaction(envelope.reaction) : envelope.text;
}
