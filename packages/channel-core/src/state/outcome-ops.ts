import { z } from "zod";
import type { Envelope } from "../envelope.ts";
import type { HistoryEntry } from "../history-store.ts";
import type { OutboxDraft } from "../outbox-types.ts";
import type { PendingTurnDraft } from "../pending-turn-store.ts";
import type { Guard, OutcomeBatch, OutcomeOp, OutcomeWriter } from "./state-backend.ts";

/*
 * The wire shape of a group commit: what `commitOutcomes` receives, and what a PostgreSQL backend sends as one
 * jsonb argument. Plain JSON only (strings, finite numbers, booleans, arrays, objects); an optional field may be
 * absent or undefined (undefined disappears in JSON). Channel-owned slots (an envelope's `channelData`, `meta`,
 * `extra`, a pending turn's `request`) are any JSON.
 */

const json = z.json();
const jsonRecord = z.record(z.string(), json);

/** A {@link HistoryEntry}. */
export const historyEntrySchema = z.strictObject({
  sender: z.string(),
  senderLabel: z.string().optional(),
  text: z.string(),
  messageId: z.string(),
  timestamp: z.number(),
  extra: jsonRecord.optional(),
});

/** An {@link OutboxDraft}. */
export const outboxDraftSchema = z.strictObject({
  idempotencyKey: z.string(),
  channel: z.string(),
  accountId: z.string(),
  chatKey: z.string(),
  target: z.string(),
  text: z.string(),
  media: z.array(z.string()).optional(),
  meta: jsonRecord.optional(),
  reaction: z.string().optional(),
  replyTo: z.string().optional(),
});

/**
 * An {@link Envelope}: the fields channel-core reads are checked, the rest (optional descriptors, the channel's
 * own `channelData`) pass through as JSON, since the envelope is stored as it is.
 */
export const envelopeSchema = z.looseObject({
  channel: z.string(),
  accountId: z.string(),
  chatType: z.enum(["direct", "group"]),
  chatKey: z.string(),
  senderRaw: z.string(),
  sender: z.string(),
  text: z.string(),
  attachments: z.array(
    z.strictObject({
      name: z.string(),
      mimeType: z.string(),
      sizeBytes: z.number(),
      sourcePath: z.string(),
      localPath: z.string().optional(),
      transcript: z.string().optional(),
    }),
  ),
  timestamp: z.number(),
  messageId: z.string(),
  guid: z.string(),
  participants: z.array(z.string()),
  channelData: json.optional(),
});

/** A {@link PendingTurnDraft}. */
export const pendingTurnDraftSchema = z.strictObject({
  accountId: z.string(),
  envelope: envelopeSchema,
  sessionKey: z.string(),
  agentId: z.string(),
  target: z.string(),
  request: json,
  meta: jsonRecord.optional(),
  arrivedAt: z.number(),
  attempts: z.number(),
  nextAttemptAt: z.number(),
  lastError: z.string().optional(),
});

/** A {@link Guard}. */
export const guardSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("firstSeen"), accountId: z.string(), guid: z.string() }),
  z.strictObject({ kind: z.literal("completePendingTurn"), accountId: z.string(), guid: z.string() }),
  z.strictObject({
    kind: z.literal("giveUp"),
    draft: pendingTurnDraftSchema,
    outcome: z.strictObject({ reason: z.string(), error: z.string().optional() }),
    onlyIfPending: z.boolean(),
  }),
]);

/** An {@link OutcomeOp}: `{ op, args }` with `args` the writer method's arguments, in order. */
export const outcomeOpSchema = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("onlyIf"), args: z.array(guardSchema) }),
  z.strictObject({ op: z.literal("touchSession"), args: z.tuple([z.string()]) }),
  z.strictObject({ op: z.literal("resetSession"), args: z.tuple([z.string()]) }),
  z.strictObject({
    op: z.literal("appendHistory"),
    args: z.tuple([z.string(), historyEntrySchema, z.number()]),
  }),
  z.strictObject({ op: z.literal("enqueue"), args: z.tuple([z.array(outboxDraftSchema)]) }),
  z.strictObject({ op: z.literal("recordPendingTurn"), args: z.tuple([pendingTurnDraftSchema]) }),
  z.strictObject({
    op: z.literal("recordAttempt"),
    args: z.tuple([
      z.string(),
      z.string(),
      z.strictObject({ attempts: z.number(), nextAttemptAt: z.number(), lastError: z.string().optional() }),
    ]),
  }),
]);

/** An {@link OutcomeBatch}. */
export const outcomeBatchSchema = z.strictObject({
  accountId: z.string(),
  lease: z.strictObject({ holderId: z.string(), fencingToken: z.number().int() }).optional(),
  outcomes: z.array(z.strictObject({ rowid: z.number().int().optional(), ops: z.array(outcomeOpSchema) })),
  cursor: z
    .strictObject({
      source: z.string(),
      position: z.string(),
      requires: z.array(z.number().int().nonnegative()),
    })
    .optional(),
  claimNext: z.strictObject({ channel: z.string() }).optional(),
});

// The schemas describe the TypeScript types: a type that drifts from its schema fails to compile here.
type Accepts<Schema extends z.ZodType, T> = T extends z.input<Schema> ? true : false;
const describesTheTypes: [
  Accepts<typeof historyEntrySchema, Omit<HistoryEntry, "extra">>,
  Accepts<typeof outboxDraftSchema, Omit<OutboxDraft, "meta">>,
  Accepts<typeof envelopeSchema, Omit<Envelope, "channelData">>,
  Accepts<
    typeof pendingTurnDraftSchema,
    Omit<PendingTurnDraft, "envelope" | "request" | "meta"> & {
      envelope: Omit<Envelope, "channelData">;
      request: null;
    }
  >,
  Accepts<typeof guardSchema, Exclude<Guard, { kind: "giveUp" }>>,
] = [true, true, true, true, true];
void describesTheTypes;

/**
 * Runs `persist` against a writer that records each call as an {@link OutcomeOp}, in call order, and returns
 * them: the `ops` of one outcome of an {@link OutcomeBatch}. Nothing is written. The arguments are kept by
 * reference: do not change them before the batch commits.
 */
export function recordOutcome(persist: (writer: OutcomeWriter) => void): OutcomeOp[] {
  const ops: OutcomeOp[] = [];
  const record =
    <K extends keyof OutcomeWriter>(op: K) =>
    (...args: Parameters<OutcomeWriter[K]>): void => {
      ops.push({ op, args } as OutcomeOp);
    };
  const writer: OutcomeWriter = {
    onlyIf: record("onlyIf"),
    touchSession: record("touchSession"),
    resetSession: record("resetSession"),
    appendHistory: record("appendHistory"),
    enqueue: record("enqueue"),
    recordPendingTurn: record("recordPendingTurn"),
    recordAttempt: record("recordAttempt"),
  };
  persist(writer);
  return ops;
}

/** Parses `value` as an {@link OutcomeBatch} (the wire shape); throws a `ZodError` naming each bad path. */
export function parseOutcomeBatch(value: unknown): OutcomeBatch {
  return outcomeBatchSchema.parse(value) as OutcomeBatch;
}
