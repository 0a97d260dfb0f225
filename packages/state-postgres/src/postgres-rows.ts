import type { PendingTurn, PendingTurnState, SessionMeta } from "@imgate/channel-core";
import { num } from "./postgres-query.ts";

/** A `bigint` column: a string from a query, a number from `to_jsonb`. */
type Big = string | number;

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
