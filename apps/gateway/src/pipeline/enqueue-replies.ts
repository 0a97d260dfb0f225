import { type Envelope, type Outbox, type OutboxEntry, replyIdempotencyKey } from "@imgate/channel-core";

/** Queues the chunks of a reply to an inbound message; call inside the transaction of its outcome. */
export type ReplyEnqueuer = (envelope: Envelope, target: string, texts: readonly string[]) => OutboxEntry[];

/**
 * Creates the {@link ReplyEnqueuer} of one account: chunk `i` of the reply to a message has a key derived
 * from the message, so a replay never queues it twice.
 */
export function createReplyEnqueuer(outbox: Outbox, channel: string, accountId: string): ReplyEnqueuer {
  return (envelope, target, texts) =>
    texts.map(
      (text, index) =>
        outbox.enqueue({
          idempotencyKey: replyIdempotencyKey(envelope, index),
          channel,
          accountId,
          chatKey: envelope.chatKey,
          target,
          text,
        }).entry,
    );
}
