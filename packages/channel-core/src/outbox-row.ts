import type { OutboxDraft, OutboxEntry, OutboxState } from "./outbox-types.ts";

/** An integer column: a number from SQLite (or PostgreSQL's `to_jsonb`), a string for a PostgreSQL `bigint`. */
type Int = number | string;

/**
 * A row of the `outbox` table as a store returns it: SQLite keeps the JSON columns as text, PostgreSQL as
 * parsed `jsonb`.
 */
export interface OutboxRow {
  id: Int;
  idempotency_key: string;
  channel: string;
  account_id: string;
  chat_key: string;
  target: string;
  text: string;
  media: string | string[] | null;
  meta: string | Record<string, unknown> | null;
  reaction: string | null;
  reply_to: string | null;
  state: OutboxState;
  attempts: number;
  last_error: string | null;
  result_id: string | null;
  not_before: Int;
  held_reason?: string | null;
  created_at: Int;
  updated_at: Int;
}

const parsed = <T>(value: string | T): T => (typeof value === "string" ? (JSON.parse(value) as T) : value);

/**
 * Maps an `outbox` row of any store to the {@link OutboxEntry} callers see (absent columns stay absent), so
 * every store hands out the same entries.
 */
export function outboxEntryOf(row: OutboxRow): OutboxEntry {
  const entry: OutboxEntry = {
    id: Number(row.id),
    idempotencyKey: row.idempotency_key,
    channel: row.channel,
    accountId: row.account_id,
    chatKey: row.chat_key,
    target: row.target,
    text: row.text,
    state: row.state,
    attempts: row.attempts,
    notBefore: Number(row.not_before),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
  if (row.media !== null) entry.media = parsed<string[]>(row.media);
  if (row.meta !== null) entry.meta = parsed<Record<string, unknown>>(row.meta);
  if (row.reaction !== null) entry.reaction = row.reaction;
  if (row.reply_to !== null) entry.replyTo = row.reply_to;
  if (row.last_error !== null) entry.lastError = row.last_error;
  if (row.result_id !== null) entry.resultId = row.result_id;
  if (row.held_reason != null) entry.heldReason = row.held_reason;
  return entry;
}

/**
 * A draft's values for the `outbox` columns `idempotency_key, channel, account_id, chat_key, target, text, media,
 * meta, reaction, reply_to`, in that order, for every store's INSERT; `json` serialises the JSON columns.
 */
export function outboxDraftValues(
  draft: OutboxDraft,
  json: (value: unknown) => string = JSON.stringify,
): Array<string | null> {
  return [
    draft.idempotencyKey,
    draft.channel,
    draft.accountId,
    draft.chatKey,
    draft.target,
    draft.text,
    draft.media && draft.media.length > 0 ? json(draft.media) : null,
    draft.meta === undefined ? null : json(draft.meta),
    draft.reaction ?? null,
    draft.replyTo ?? null,
  ];
}
