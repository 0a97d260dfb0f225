import type { Envelope } from "../envelope.ts";
import type { InboundContext } from "../inbound/inbound-context.ts";
import { recordOutcome } from "../state/outcome-ops.ts";
import { createSqliteBackend } from "../state/sqlite-backend.ts";
import type { CommitOutcomesResult } from "../state/state-backend.ts";
import type { StateStore } from "../state-store.ts";

/** An {@link InboundContext} that records what the steps did; outcomes commit at once in `store`. */
export interface RecordingContext extends InboundContext {
  slot?: string;
  readonly drops: string[];
  readonly counts: string[];
  /** The texts this context queued as replies that committed (in the outbox under this context's keys). */
  readonly replies: string[];
  /** How many outcomes were finished (committed). */
  finished: number;
  /** The result of the last `finish`'s commit. */
  lastCommit: Promise<CommitOutcomesResult> | undefined;
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

let contexts = 0;

/**
 * Creates a {@link RecordingContext} for `envelope`: each `finish` is one `commitOutcomes` of a SQLite
 * backend over `store` (it applies at once). Replies go to the outbox under keys of this context, so a
 * replay's context shows only what the replay itself queued.
 */
export function recordingContext(store: StateStore, envelope: Envelope = testEnvelope()): RecordingContext {
  const backend = createSqliteBackend(store);
  const prefix = `test:${++contexts}:`;
  const ctx: RecordingContext = {
    envelope,
    accountId: envelope.accountId,
    arrivedAt: envelope.timestamp,
    drops: [],
    counts: [],
    get replies() {
      return backend.stores.outbox
        .list()
        .filter((entry) => entry.idempotencyKey.startsWith(prefix))
        .map((entry) => entry.text);
    },
    finished: 0,
    lastCommit: undefined,
    finish(persist) {
      const ops = recordOutcome(persist);
      ctx.lastCommit = backend.commitOutcomes({
        accountId: ctx.accountId,
        outcomes: [{ rowid: undefined, ops }],
      });
      ctx.finished += 1;
    },
    drop(reason) {
      ctx.drops.push(reason);
      ctx.finished += 1;
    },
    count(reason) {
      ctx.counts.push(reason);
    },
    reply(writer, texts) {
      writer.enqueue(
        texts.map((text, index) => ({
          idempotencyKey: `${prefix}${index}`,
          channel: envelope.channel,
          accountId: ctx.accountId,
          chatKey: envelope.chatKey,
          target: envelope.chatKey,
          text,
        })),
      );
    },
  };
  return ctx;
}
