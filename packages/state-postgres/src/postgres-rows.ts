import type {
  OutboxEntry,
  OutboxState,
  PendingTurn,
  PendingTurnState,
  SessionMeta,
} from "@imgate/channel-core";
import { num } from "./postgres-query.ts";

/** A `bigint` column: a string from a query, a number from `to_jsonb`. */
type Big = string | number;

/** A row of `outbox` (from a query or `to_jsonb`). */
export interface OutboxRow {
  id: Big;
  idempotency_key: string;
  channel: string;
  account_id: string;
  chat_key: string;
  target: string;
  text: string;
  media: string[] | null;
  meta: Record<string, unknown> | null;
  reaction: string | null;
  reply_to: string | null;
  state: OutboxState;
  attempts: number;
  last_error: string | null;
  result_id: string | null;
  not_before: Big;
  held_reason: string | null;
  created_at: Big;
  updated_at: Big;
}

/** Maps an `outbox` row to the entry channel-core's SQLite outbox returns (absent columns stay absent). */
export function toOutboxEntry(row: OutboxRow): OutboxEntry {
  const entry: OutboxEntry = {
    id: num(row.id),
    idempotencyKey: row.idempotency_key,
    channel: row.channel,
    accountId: row.account_id,
    chatKey: row.chat_key,
    target: row.target,
    text: row.text,
    state: row.state,
    attempts: row.attempts,
    notBefore: num(row.not_before),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
  if (row.media !== null) entry.media = row.media;
  if (row.meta !== null) entry.meta = row.meta;
  if (row.reaction !== null) entry.reaction = row.reaction;
  if (row.reply_to !== null) entry.replyTo = row.reply_to;
  if (row.last_error !== null) entry.lastError = row.last_error;
  if (row.result_id !== null) entry.resultId = row.result_id;
  if (row.held_reason !== null) entry.heldReason = row.held_reason;
  return entry;
}

/** A row of `sessions`. */
export interface SessionRow {
  session_key: string;
  session_id: string;
  generation: number;
  created_at: Big;
  updated_at: Big;
}

export const toSessionMeta = (row: SessionRow): SessionMeta => ({
  sessionKey: row.session_key,
  sessionId: row.session_id,
  generation: row.generation,
  createdAt: num(row.created_at),
  updatedAt: num(row.updated_at),
});

/** A row of `pending_turns`. */
export interface PendingTurnRow {
  account_id: string;
  guid: string;
  session_key: string;
  agent_id: string;
  target: string;
  envelope: PendingTurn["envelope"];
  request: unknown;
  meta: Record<string, unknown> | null;
  state: PendingTurnState;
  arrived_at: Big;
  attempts: number;
  next_attempt_at: Big;
  last_error: string | null;
  give_up_reason: string | null;
  given_up_at: Big | null;
  created_at: Big;
  updated_at: Big;
}

export function toPendingTurn(row: PendingTurnRow): PendingTurn {
  const turn: PendingTurn = {
    accountId: row.account_id,
    guid: row.guid,
    envelope: row.envelope,
    sessionKey: row.session_key,
    agentId: row.agent_id,
    target: row.target,
    request: row.request,
    state: row.state,
    arrivedAt: num(row.arrived_at),
    attempts: row.attempts,
    nextAttemptAt: num(row.next_attempt_at),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
  if (row.meta !== null) turn.meta = row.meta;
  if (row.last_error !== null) turn.lastError = row.last_error;
  if (row.give_up_reason !== null) turn.giveUpReason = row.give_up_reason;
  if (row.given_up_at !== null) turn.givenUpAt = num(row.given_up_at);
  return turn;
}
