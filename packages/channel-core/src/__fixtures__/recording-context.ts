import type { Envelope } from "../envelope.ts";
import type { InboundContext } from "../inbound/inbound-context.ts";
import type { StateStore } from "../state-store.ts";

/** An {@link InboundContext} that records what the steps did; outcomes commit at once in `store`. */
export interface RecordingContext extends InboundContext {
  slot?: string;
  readonly drops: string[];
  readonly counts: string[];
  readonly replies: string[];
  /** How many outcomes were finished (committed). */
  finished: number;
}

/** A direct message envelope; override any field. */
export function testEnvelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    channel: "test",
    accountId: "bot",
    chatType: "direct",
    chatKey: "7",
    senderRaw: "+15550001111",
    sender: "+15550001111",
    text: "hello",
    attachments: [],
    timestamp: 1_767_225_600_000,
    messageId: "1",
    guid: "G1",
    participants: [],
    ...overrides,
  };
}

/** Creates a {@link RecordingContext} for `envelope`; each `finish` runs in its own transaction of `store`. */
export function recordingContext(store: StateStore, envelope: Envelope = testEnvelope()): RecordingContext {
  const ctx: RecordingContext = {
    envelope,
    accountId: envelope.accountId,
    arrivedAt: envelope.timestamp,
    drops: [],
    counts: [],
    replies: [],
    finished: 0,
    finish(persist) {
      store.transaction(persist);
      ctx.finished += 1;
    },
    drop(reason) {
      ctx.drops.push(reason);
      ctx.finished += 1;
    },
    count(reason) {
      ctx.counts.push(reason);
    },
    reply(texts) {
      ctx.replies.push(...texts);
    },
  };
  return ctx;
}
