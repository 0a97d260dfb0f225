import { type Envelope, type OutboxDraft, replyIdempotencyKey } from "@imgate/channel-core";

/** The parts of a rich reply besides its text chunks (see `agent-reply-schema.ts`). */
export interface ReplyExtras {
  /** A tapback on the inbound message, queued before the text. */
  reaction?: string;
  /** The text chunks and files answer the inbound message inline (`reply_to` = its guid). */
  threaded?: boolean;
  /** Local paths of files, queued after the text, one entry each. */
  files?: readonly string[];
}

/**
 * The outbox drafts of a reply to an inbound message, queued with its outcome (`OutcomeWriter.enqueue`, in
 * the outcome's `finish`).
 */
export type ReplyEnqueuer = (
  envelope: Envelope,
  target: string,
  texts: readonly string[],
  extras?: ReplyExtras,
) => OutboxDraft[];

/**
 * Creates the {@link ReplyEnqueuer} of one account: chunk `i` of the reply to a message has a key derived
 * from the message, so a replay never queues it twice. A rich reply queues, in the chat's order, its
 * reaction (key `…:reaction`), its text chunks (`…:0`, `…:1`, …) and its files (the indexes after the
 * chunks); the inbound message's guid is the reaction's target and, when threaded, what they reply to.
 */
export function createReplyEnqueuer(channel: string, accountId: string): ReplyEnqueuer {
  return (envelope, target, texts, extras = {}) => {
    const base = { channel, accountId, chatKey: envelope.chatKey, target };
    const replyTo = extras.threaded && envelope.guid !== "" ? { replyTo: envelope.guid } : {};
    const drafts: OutboxDraft[] = [];
    if (extras.reaction !== undefined && envelope.guid !== "") {
      drafts.push({
        ...base,
        idempotencyKey: `${replyIdempotencyKey(envelope, 0)}:reaction`,
        text: "",
        reaction: extras.reaction,
        replyTo: envelope.guid,
      });
    }
    for (const [index, text] of texts.entries()) {
      drafts.push({ ...base, idempotencyKey: replyIdempotencyKey(envelope, index), text, ...replyTo });
    }
    for (const [offset, path] of (extras.files ?? []).entries()) {
      drafts.push({
        ...base,
        idempotencyKey: replyIdempotencyKey(envelope, texts.length + offset),
        text: "",
        media: [path],
        ...replyTo,
      });
    }
    return drafts;
  };
}
