import type { Envelope } from "./envelope.ts";
import type { StateStore } from "./state-store.ts";

/** `pending`: retried until answered or given up; `given_up`: kept for a while so operators can see it. */
export type PendingTurnState = "pending" | "given_up";

/** What is recorded the first time an agent turn fails and will be retried. */
export interface PendingTurnDraft {
  /** The account whose watcher owns the inbound row (the dedupe account). */
  accountId: string;
  /** The inbound message; `guid` and `accountId` key the turn (as inbound dedupe does). */
  envelope: Envelope;
  sessionKey: string;
  agentId: string;
  /** The channel's reply target (e.g. `chat_id:42`); opaque to channel-core. */
  target: string;
  /** The request handed to the agent, replayed as-is on every retry (JSON-serialisable). */
  request: unknown;
  /** Channel- or gateway-specific extras (JSON-serialisable). */
  meta?: Record<string, unknown>;
  /** When the message arrived (ms); the retry window is measured from here. */
  arrivedAt: number;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due (ms). */
  nextAttemptAt: number;
  lastError?: string;
}

/** A stored turn. */
export interface PendingTurn extends PendingTurnDraft {
  guid: string;
  state: PendingTurnState;
  /** Why a `given_up` turn was given up (e.g. `window`, `non-retryable`). */
  giveUpReason?: string;
  givenUpAt?: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * Agent turns that failed and are owed an answer. The gateway records a turn on its first retryable
 * failure (in the same commit that moves the watch cursor past its row), retries it with backoff, and
 * completes or gives it up; on start it reloads the pending ones. Given-up turns are kept (the newest
 * {@link PendingTurnStore.givenUpKept} per account) for status reports.
 */
export interface PendingTurnStore {
  /** Records `draft` as pending; returns false when the turn is already stored (pending or given up). */
  record(draft: PendingTurnDraft): boolean;
  /** Updates the attempt count, error and next due time of a pending turn. */
  recordAttempt(
    accountId: string,
    guid: string,
    update: { attempts: number; nextAttemptAt: number; lastError?: string },
  ): void;
  /**
   * Removes a pending turn once it is answered. Returns true when it removed one; false when there was
   * none (never recorded, or already completed or given up): the caller decides whether to answer.
   */
  complete(accountId: string, guid: string): boolean;
  /**
   * Marks the turn given up (stored as `draft` when it was never recorded, unless `onlyIfPending`).
   * Returns false when nothing changed (already given up, or completed and `onlyIfPending`), so a
   * give-up is acted on (failure reply) once and never after an answer.
   */
  giveUp(
    draft: PendingTurnDraft,
    outcome: { reason: string; error?: string },
    options?: { onlyIfPending?: boolean },
  ): boolean;
  get(accountId: string, guid: string): PendingTurn | undefined;
  /** Whether a turn (in any state) is stored for this message. */
  has(accountId: string, guid: string): boolean;
  /** Pending turns of `accountId`, oldest arrival first. */
  listPending(accountId: string): PendingTurn[];
  /** The most recently given-up turns of `accountId`, newest first. */
  listGivenUp(accountId: string, limit?: number): PendingTurn[];
  /** Pending turns per account and agent (for a gauge). */
  countPending(): Array<{ accountId: string; agentId: string; count: number }>;
  /** How many given-up turns are kept per account. */
  readonly givenUpKept: number;
}

interface PendingTurnRow {
  account_id: string;
  guid: string;
  session_key: string;
  agent_id: string;
  target: string;
  envelope: string;
  request: string;
  meta: string | null;
  state: PendingTurnState;
  arrived_at: number;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  give_up_reason: string | null;
  given_up_at: number | null;
  created_at: number;
  updated_at: number;
}

function toTurn(row: PendingTurnRow): PendingTurn {
  const turn: PendingTurn = {
    accountId: row.account_id,
    guid: row.guid,
    envelope: JSON.parse(row.envelope) as Envelope,
    sessionKey: row.session_key,
    agentId: row.agent_id,
    target: row.target,
    request: JSON.parse(row.request) as unknown,
    state: row.state,
    arrivedAt: row.arrived_at,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.meta !== null) turn.meta = JSON.parse(row.meta) as Record<string, unknown>;
  if (row.last_error !== null) turn.lastError = row.last_error;
  if (row.give_up_reason !== null) turn.giveUpReason = row.give_up_reason;
  if (row.given_up_at !== null) turn.givenUpAt = row.given_up_at;
  return turn;
}

/** Longest error text stored per turn (the full upstream body belongs in the log, not the state file). */
const MAX_ERROR_LENGTH = 500;

const clip = (text: string | undefined): string | null =>
  text === undefined ? null : text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;

/** Creates the {@link PendingTurnStore}; `givenUpKept` defaults to 50 per account. */
export function createPendingTurnStore(
  store: StateStore,
  options: { givenUpKept?: number } = {},
): PendingTurnStore {
  const givenUpKept = Math.max(1, options.givenUpKept ?? 50);
  const sql = (text: string) => store.statement(text);
  const insert = (draft: PendingTurnDraft, state: PendingTurnState, outcome?: { reason: string }) => {
    const now = store.clock.now();
    return Number(
      sql(
        `INSERT INTO pending_turns (account_id, guid, session_key, agent_id, target, envelope, request, meta, state,
           arrived_at, attempts, next_attempt_at, last_error, give_up_reason, given_up_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id, guid) DO NOTHING`,
      ).run(
        draft.accountId,
        draft.envelope.guid,
        draft.sessionKey,
        draft.agentId,
        draft.target,
        JSON.stringify(draft.envelope),
        JSON.stringify(draft.request ?? null),
        draft.meta ? JSON.stringify(draft.meta) : null,
        state,
        draft.arrivedAt,
        draft.attempts,
        draft.nextAttemptAt,
        clip(draft.lastError),
        outcome?.reason ?? null,
        outcome ? now : null,
        now,
        now,
      ).changes,
    );
  };
  /** Rows whose JSON cannot be read (edited by hand, truncated) are skipped with a warning, never thrown. */
  const readable = (rows: PendingTurnRow[]): PendingTurn[] =>
    rows.flatMap((row) => {
      try {
        return [toTurn(row)];
      } catch (error) {
        store.logger.warn(
          { err: error, accountId: row.account_id, guid: row.guid },
          "pending turn: unreadable record skipped",
        );
        return [];
      }
    });
  const get = (accountId: string, guid: string) => {
    const row = sql("SELECT * FROM pending_turns WHERE account_id = ? AND guid = ?").get(accountId, guid);
    return row ? readable([row as unknown as PendingTurnRow])[0] : undefined;
  };

  return {
    givenUpKept,
    record(draft) {
      return store.read(() => insert(draft, "pending") > 0);
    },
    recordAttempt(accountId, guid, update) {
      store.read(() =>
        sql(
          `UPDATE pending_turns SET attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ?
           WHERE account_id = ? AND guid = ? AND state = 'pending'`,
        ).run(
          update.attempts,
          update.nextAttemptAt,
          clip(update.lastError),
          store.clock.now(),
          accountId,
          guid,
        ),
      );
    },
    complete(accountId, guid) {
      return store.read(
        () =>
          Number(
            sql("DELETE FROM pending_turns WHERE account_id = ? AND guid = ? AND state = 'pending'").run(
              accountId,
              guid,
            ).changes,
          ) > 0,
      );
    },
    giveUp(draft, outcome, giveUpOptions = {}) {
      return store.transaction(() => {
        const now = store.clock.now();
        const { accountId } = draft;
        const guid = draft.envelope.guid;
        const updated = Number(
          sql(
            `UPDATE pending_turns SET state = 'given_up', attempts = ?, last_error = ?, give_up_reason = ?,
               given_up_at = ?, updated_at = ?
             WHERE account_id = ? AND guid = ? AND state = 'pending'`,
          ).run(draft.attempts, clip(outcome.error), outcome.reason, now, now, accountId, guid).changes,
        );
        const changed =
          updated > 0 ||
          (!giveUpOptions.onlyIfPending &&
            insert(
              outcome.error === undefined ? draft : { ...draft, lastError: outcome.error },
              "given_up",
              outcome,
            ) > 0);
        if (changed) {
          // Only the newest given-up turns are worth showing; older ones go.
          sql(
            `DELETE FROM pending_turns WHERE account_id = ? AND state = 'given_up' AND guid NOT IN (
               SELECT guid FROM pending_turns WHERE account_id = ? AND state = 'given_up'
               ORDER BY given_up_at DESC, guid LIMIT ?)`,
          ).run(accountId, accountId, givenUpKept);
        }
        return changed;
      });
    },
    get: (accountId, guid) => store.read(() => get(accountId, guid)),
    has(accountId, guid) {
      return store.read(
        () =>
          sql("SELECT 1 FROM pending_turns WHERE account_id = ? AND guid = ?").get(accountId, guid) !==
          undefined,
      );
    },
    listPending(accountId) {
      return store.read(() =>
        readable(
          sql(
            "SELECT * FROM pending_turns WHERE account_id = ? AND state = 'pending' ORDER BY arrived_at, guid",
          ).all(accountId) as unknown as PendingTurnRow[],
        ),
      );
    },
    countPending() {
      return store.read(() =>
        (
          sql(
            `SELECT account_id, agent_id, COUNT(*) AS count FROM pending_turns WHERE state = 'pending'
             GROUP BY account_id, agent_id`,
          ).all() as Array<{ account_id: string; agent_id: string; count: number }>
        ).map((row) => ({ accountId: row.account_id, agentId: row.agent_id, count: Number(row.count) })),
      );
    },
    listGivenUp(accountId, limit = givenUpKept) {
      return store.read(() =>
        readable(
          sql(
            `SELECT * FROM pending_turns WHERE account_id = ? AND state = 'given_up'
             ORDER BY given_up_at DESC, guid LIMIT ?`,
          ).all(accountId, limit) as unknown as PendingTurnRow[],
        ),
      );
    },
  };
}
