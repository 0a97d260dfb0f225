import type { OutboxEntry, OutboxState } from "./outbox-types.ts";

/** A row of the `outbox` table as SQLite returns it. */
export interface OutboxRow {
  id: number;
  idempotency_key: string;
  channel: string;
  account_id: string;
  chat_key: string;
  target: string;
  text: string;
  media: string | null;
  meta: string | null;
  reaction: string | null;
  reply_to: string | null;
  state: OutboxState;
  attempts: number;
  last_error: string | null;
  result_id: string | null;
  not_before: number;
  held_reason?: string | null;
  created_at: number;
  updated_at: number;
}

/** Maps an `outbox` row to the {@link OutboxEntry} callers see (absent columns stay absent). */
export function toEntry(row: OutboxRow): OutboxEntry {
  const entry: OutboxEntry = {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    channel: row.channel,
    accountId: row.account_id,
    chatKey: row.chat_key,
    target: row.target,
    text: row.text,
    state: row.state,
    attempts: row.attempts,
    notBefore: row.not_before,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.media !== null) entry.media = JSON.parse(row.media) as string[];
  if (row.meta !== null) entry.meta = JSON.parse(row.meta) as Record<string, unknown>;
  if (row.reaction !== null) entry.reaction = row.reaction;
  if (row.reply_to !== null) entry.replyTo = row.reply_to;
  if (row.last_error !== null) entry.lastError = row.last_error;
  if (row.result_id !== null) entry.resultId = row.result_id;
  if (row.held_reason != null) entry.heldReason = row.held_reason;
  return entry;
}
