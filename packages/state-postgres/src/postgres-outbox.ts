import {
  type AsyncOutbox,
  type Clock,
  type Logger,
  notReconciledError,
  type OutboxEntry,
  OutboxError,
  type OutboxRow,
  type OutboxState,
  type OutboxTransitionSet,
  outboxDraftValues,
  outboxEntryOf,
  outboxMarks,
  outboxStateError,
  StateErrorCode,
  settleUncertain,
} from "@imgate/channel-core";
import { type PostgresQuery, toJsonParam } from "./postgres-query.ts";

const ALL_STATES: readonly OutboxState[] = ["queued", "sending", "sent", "failed", "unknown"];

/** SQL: whether an earlier entry of row `o`'s chat is unresolved (served by the partial index `outbox_unresolved`). */
const UNRESOLVED_BEFORE = `EXISTS (SELECT 1 FROM outbox p WHERE p.channel = o.channel AND p.account_id = o.account_id
  AND p.chat_key = o.chat_key AND p.id < o.id AND p.state IN ('queued', 'sending', 'unknown'))`;

/** Options of {@link createPostgresOutbox}. */
export interface PostgresOutboxOptions {
  query: PostgresQuery;
  clock: Clock;
  logger: Logger;
  /** As channel-core's outbox: nothing is handed out for an account before `reconcile` ran for it. Default true. */
  requireReconcile?: boolean;
}

/** The outbox over PostgreSQL, plus the reconcile check `commitOutcomes` needs before it claims. */
export interface PostgresOutbox extends AsyncOutbox {
  /** Throws `OUTBOX_NOT_RECONCILED` unless entries of `accountId` may be handed out. */
  assertReconciled(accountId: string | undefined): void;
}

/**
 * channel-core's outbox (same states, transitions, per-chat ordering and errors) over the `outbox` table.
 * Every method is one statement, so one round trip; an error path may read the row once more to explain.
 */
export function createPostgresOutbox(options: PostgresOutboxOptions): PostgresOutbox {
  const { query, clock, logger } = options;
  const requireReconcile = options.requireReconcile ?? true;
  /** Accounts reconciled in this process; `all` after a reconcile without a filter. */
  const reconciled = new Set<string>();
  let reconciledAll = false;

  const getRow = async (id: number): Promise<OutboxEntry | undefined> => {
    const { rows } = await query<OutboxRow>("SELECT * FROM outbox WHERE id = $1", [id]);
    return rows[0] ? outboxEntryOf(rows[0]) : undefined;
  };

  const notReconciled = (accountId: string | undefined) => notReconciledError(reconciled, accountId);

  const assertReconciled = (accountId: string | undefined) => {
    if (!requireReconcile || reconciledAll) return;
    if (accountId !== undefined && reconciled.has(accountId)) return;
    throw notReconciled(accountId);
  };

  const stateError = async (id: number, from: readonly OutboxState[], to: OutboxState) =>
    outboxStateError(id, await getRow(id), from, to);

  /** Moves `id` from one of `from` to `to`; one `UPDATE … RETURNING`, as channel-core's `transition`. */
  const transition = async (
    id: number,
    from: readonly OutboxState[],
    to: OutboxState,
    set: OutboxTransitionSet = {},
  ): Promise<OutboxEntry> => {
    const { rows } = await query<OutboxRow>(
      `UPDATE outbox SET state = $1, updated_at = $2, attempts = attempts + $3, held_reason = NULL,
         last_error = CASE WHEN $4 THEN $5 ELSE last_error END,
         result_id = CASE WHEN $6 THEN $7 ELSE result_id END,
         not_before = COALESCE($8, not_before)
       WHERE id = $9 AND state = ANY ($10::text[]) RETURNING *`,
      [
        to,
        clock.now(),
        set.attempt ? 1 : 0,
        set.lastError !== undefined,
        set.lastError ?? null,
        set.resultId !== undefined,
        set.resultId ?? null,
        set.notBefore ?? null,
        id,
        from,
      ],
    );
    if (!rows[0]) throw await stateError(id, from, to);
    return outboxEntryOf(rows[0]);
  };

  const outbox: PostgresOutbox = {
    assertReconciled,
    async enqueue(draft) {
      const now = clock.now();
      // One statement: the new row (created), or the existing one of the same key.
      const { rows } = await query<OutboxRow & { created: boolean }>(
        `WITH ins AS (
           INSERT INTO outbox (idempotency_key, channel, account_id, chat_key, target, text, media, meta,
             reaction, reply_to, state, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, 'queued', $11, $11)
           ON CONFLICT (idempotency_key) DO NOTHING RETURNING *)
         SELECT *, true AS created FROM ins
         UNION ALL
         SELECT *, false AS created FROM outbox WHERE idempotency_key = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
        [...outboxDraftValues(draft, toJsonParam), now],
      );
      const row = rows[0];
      if (row) return { entry: outboxEntryOf(row), created: row.created };
      // The key was inserted by a transaction that committed after this statement's snapshot: read it now.
      const existing = await outbox.getByKey(draft.idempotencyKey);
      if (!existing) throw new Error(`Outbox entry ${draft.idempotencyKey} vanished while being enqueued.`);
      return { entry: existing, created: false };
    },
    async claimNext(filter = {}) {
      assertReconciled(filter.accountId);
      const { rows } = await query<OutboxRow>("SELECT * FROM imgate_claim_next($1, $2, $3)", [
        filter.channel ?? null,
        filter.accountId ?? null,
        clock.now(),
      ]);
      return rows[0]?.id == null ? undefined : outboxEntryOf(rows[0]);
    },
    async markSending(id) {
      if (requireReconcile && !reconciledAll && reconciled.size === 0) throw notReconciled(undefined);
      const accounts = !requireReconcile || reconciledAll ? null : [...reconciled];
      const { rows } = await query<OutboxRow>(
        `UPDATE outbox o SET state = 'sending', updated_at = $2, attempts = attempts + 1, held_reason = NULL
          WHERE o.id = $1 AND o.state = 'queued' AND NOT ${UNRESOLVED_BEFORE}
            AND ($3::text[] IS NULL OR o.account_id = ANY ($3::text[]))
          RETURNING *`,
        [id, clock.now(), accounts],
      );
      if (rows[0]) return outboxEntryOf(rows[0]);
      const why = await query<{ account_id: string; blocked: boolean }>(
        `SELECT o.account_id, ${UNRESOLVED_BEFORE} AS blocked FROM outbox o WHERE o.id = $1`,
        [id],
      );
      const found = why.rows[0];
      if (found && accounts && !accounts.includes(found.account_id)) throw notReconciled(found.account_id);
      if (found?.blocked) {
        throw new OutboxError(
          StateErrorCode.outboxState,
          `Outbox entry ${id} waits for an earlier unresolved entry in the same chat; send that one first ` +
            "(use claimNext() to get entries in order).",
        );
      }
      throw await stateError(id, ["queued"], "sending");
    },
    ...outboxMarks(transition),
    async hold(id, reason, until) {
      const { rows } = await query<OutboxRow>(
        `UPDATE outbox SET state = 'queued', updated_at = $1, attempts = greatest(0, attempts - 1),
           held_reason = $2, not_before = $3 WHERE id = $4 AND state = 'sending' RETURNING *`,
        [clock.now(), reason, until, id],
      );
      if (!rows[0]) throw await stateError(id, ["sending"], "queued");
      return outboxEntryOf(rows[0]);
    },
    async releaseHolds(accountId) {
      const { rowCount } = await query(
        "UPDATE outbox SET not_before = 0 WHERE account_id = $1 AND state = 'queued' AND held_reason IS NOT NULL",
        [accountId],
      );
      return rowCount ?? 0;
    },
    async reconcile(check, filter = {}) {
      const accountId = filter.accountId;
      // One statement: entries a crash left `sending` become `unknown` (flagged `moved`), and every `unknown`
      // entry (those and earlier ones, from the snapshot before the update) comes back to be checked.
      const { rows } = await query<OutboxRow & { moved: boolean }>(
        `WITH moved AS (
           UPDATE outbox SET state = 'unknown', updated_at = $1, last_error = COALESCE(last_error, $2)
            WHERE state = 'sending' AND ($3::text IS NULL OR account_id = $3) RETURNING *)
         SELECT *, true AS moved FROM moved
         UNION ALL
         SELECT *, false AS moved FROM outbox WHERE state = 'unknown' AND ($3::text IS NULL OR account_id = $3)`,
        [clock.now(), "interrupted while sending (process stopped)", accountId ?? null],
      );
      const interrupted = rows.filter((row) => row.moved).length;
      if (interrupted > 0) {
        logger.warn(
          { count: interrupted, ...(accountId === undefined ? {} : { accountId }) },
          "outbox entries interrupted while sending; checking before any resend",
        );
      }
      const unknown = rows.map(outboxEntryOf).sort((a, b) => a.id - b.id);
      const report = await settleUncertain(unknown, check, outbox, logger);
      if (accountId === undefined) reconciledAll = true;
      else reconciled.add(accountId);
      return report;
    },
    get: getRow,
    async getByKey(idempotencyKey) {
      const { rows } = await query<OutboxRow>("SELECT * FROM outbox WHERE idempotency_key = $1", [
        idempotencyKey,
      ]);
      return rows[0] ? outboxEntryOf(rows[0]) : undefined;
    },
    async hasKey(idempotencyKey) {
      const { rows } = await query("SELECT 1 FROM outbox WHERE idempotency_key = $1", [idempotencyKey]);
      return rows.length > 0;
    },
    async list(states = ALL_STATES) {
      const { rows } = await query<OutboxRow>(
        "SELECT * FROM outbox WHERE state = ANY ($1::text[]) ORDER BY id",
        [states],
      );
      return rows.map(outboxEntryOf);
    },
    async counts() {
      const counts = Object.fromEntries(ALL_STATES.map((state) => [state, 0])) as Record<OutboxState, number>;
      const { rows } = await query<{ state: OutboxState; n: string }>(
        "SELECT state, count(*) AS n FROM outbox GROUP BY state",
      );
      for (const row of rows) counts[row.state] = Number(row.n);
      return counts;
    },
    async purgeResolved(before) {
      const { rowCount } = await query(
        "DELETE FROM outbox WHERE state IN ('sent', 'failed') AND updated_at < $1",
        [before],
      );
      return rowCount ?? 0;
    },
  };
  return outbox;
}
