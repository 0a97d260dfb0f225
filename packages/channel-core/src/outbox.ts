import { randomUUID } from "node:crypto";
import {
  notReconciledError,
  type OutboxTransitionSet,
  outboxMarks,
  outboxStateError,
  settleUncertain,
} from "./outbox-marks.ts";
import { type OutboxRow, outboxDraftValues, outboxEntryOf } from "./outbox-row.ts";
import type { Outbox, OutboxEntry, OutboxOptions, OutboxState } from "./outbox-types.ts";
import { OutboxError, StateErrorCode } from "./state-errors.ts";

/** Idempotency key of chunk `chunkIndex` of the reply to inbound message `guid` on `accountId`. */
export function replyIdempotencyKey(
  inbound: { channel: string; accountId: string; guid: string },
  chunkIndex: number,
): string {
  return `reply:${inbound.channel}:${inbound.accountId}:${inbound.guid}:${chunkIndex}`;
}

/** A fresh idempotency key for a send not caused by an inbound message (agent-initiated, CLI). */
export function agentIdempotencyKey(): string {
  return `send:${randomUUID()}`;
}

/**
 * SQL: whether an earlier entry of outbox row `o`'s chat is unresolved; served by the partial index
 * `outbox_unresolved` (exported for the test that checks the query plan; not part of the package API).
 */
export const UNRESOLVED_BEFORE = `NOT EXISTS (SELECT 1 FROM outbox p WHERE p.channel = o.channel AND p.account_id = o.account_id
  AND p.chat_key = o.chat_key AND p.id < o.id AND p.state IN ('queued', 'sending', 'unknown'))`;

const ALL_STATES: readonly OutboxState[] = ["queued", "sending", "sent", "failed", "unknown"];

/** Creates the {@link Outbox}. */
export function createOutbox(options: OutboxOptions): Outbox {
  const { store } = options;
  const { clock, logger } = store;
  const requireReconcile = options.requireReconcile ?? true;
  /** Whether `reconcile()` ran for every account; else the accounts it ran for (a shared database). */
  let reconciledAll = false;
  const reconciledAccounts = new Set<string>();
  const sql = (text: string) => store.statement(text);

  const getRow = (id: number) => {
    const row = sql("SELECT * FROM outbox WHERE id = ?").get(id);
    return row ? outboxEntryOf(row as unknown as OutboxRow) : undefined;
  };

  /** Throws unless `reconcile()` ran for every account, or for `accountId` (the account being sent for). */
  const assertReconciled = (accountId: string | undefined) => {
    if (!requireReconcile || reconciledAll) return;
    if (accountId !== undefined && reconciledAccounts.has(accountId)) return;
    throw notReconciledError(reconciledAccounts, accountId);
  };

  const stateError = (id: number, from: readonly OutboxState[], to: OutboxState): OutboxError =>
    outboxStateError(id, getRow(id), from, to);

  /**
   * Moves `id` from one of `from` to `to` with extra column updates; throws when the state does not allow
   * it. One `UPDATE … RETURNING` statement: atomic on its own, so no explicit transaction (and no extra
   * reads) on the delivery hot path.
   */
  const transition = (
    id: number,
    from: readonly OutboxState[],
    to: OutboxState,
    set: OutboxTransitionSet = {},
  ): OutboxEntry =>
    store.read(() => {
      const row = sql(
        `UPDATE outbox SET state = ?, updated_at = ?, attempts = attempts + ?, held_reason = NULL,
           last_error = CASE WHEN ? THEN ? ELSE last_error END,
           result_id = CASE WHEN ? THEN ? ELSE result_id END,
           not_before = COALESCE(?, not_before)
         WHERE id = ? AND state IN (${from.map((state) => `'${state}'`).join(", ")}) RETURNING *`,
      ).get(
        to,
        clock.now(),
        set.attempt ? 1 : 0,
        set.lastError !== undefined ? 1 : 0,
        set.lastError ?? null,
        set.resultId !== undefined ? 1 : 0,
        set.resultId ?? null,
        set.notBefore ?? null,
        id,
      );
      if (!row) throw stateError(id, from, to);
      return outboxEntryOf(row as unknown as OutboxRow);
    });

  const outbox: Outbox = {
    enqueue(draft) {
      return store.read(() => {
        const now = clock.now();
        // One statement: the new row comes back, or nothing when the key exists (then it is read).
        const inserted = sql(
          `INSERT INTO outbox (idempotency_key, channel, account_id, chat_key, target, text, media, meta,
             reaction, reply_to, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
           ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
        ).get(...outboxDraftValues(draft), now, now);
        if (inserted) return { entry: outboxEntryOf(inserted as unknown as OutboxRow), created: true };
        return { entry: outbox.getByKey(draft.idempotencyKey)!, created: false };
      });
    },
    claimNext(filter = {}) {
      assertReconciled(filter.accountId);
      // Pick and move in one UPDATE: atomic without an explicit transaction.
      return store.read(() => {
        const now = clock.now();
        const row = sql(
          `UPDATE outbox SET state = 'sending', updated_at = ?1, attempts = attempts + 1
           WHERE id = (SELECT id FROM outbox o WHERE o.state = 'queued' AND o.not_before <= ?1
             AND (?2 IS NULL OR o.channel = ?2) AND (?3 IS NULL OR o.account_id = ?3)
             AND ${UNRESOLVED_BEFORE} ORDER BY o.id LIMIT 1)
           RETURNING *`,
        ).get(now, filter.channel ?? null, filter.accountId ?? null);
        return row ? outboxEntryOf(row as unknown as OutboxRow) : undefined;
      });
    },
    markSending(id) {
      // Only a partly reconciled outbox needs the entry's account (one read more).
      assertReconciled(reconciledAccounts.size > 0 ? store.read(() => getRow(id))?.accountId : undefined);
      return store.transaction(() => {
        const blocked = sql(`SELECT 1 FROM outbox o WHERE o.id = ? AND NOT ${UNRESOLVED_BEFORE}`).get(id);
        if (blocked) {
          throw new OutboxError(
            StateErrorCode.outboxState,
            `Outbox entry ${id} waits for an earlier unresolved entry in the same chat; send that one first ` +
              "(use claimNext() to get entries in order).",
          );
        }
        return transition(id, ["queued"], "sending", { attempt: true });
      });
    },
    ...outboxMarks(transition),
    hold(id, reason, until) {
      return store.read(() => {
        const row = sql(
          `UPDATE outbox SET state = 'queued', updated_at = ?, attempts = max(0, attempts - 1), held_reason = ?,
             not_before = ? WHERE id = ? AND state = 'sending' RETURNING *`,
        ).get(clock.now(), reason, until, id);
        if (!row) throw stateError(id, ["sending"], "queued");
        return outboxEntryOf(row as unknown as OutboxRow);
      });
    },
    async reconcile(check, filter = {}) {
      const { accountId } = filter;
      const interrupted = store.transaction(
        () =>
          sql(
            `UPDATE outbox SET state = 'unknown', updated_at = ?1, last_error = COALESCE(last_error, ?2)
             WHERE state = 'sending' AND (?3 IS NULL OR account_id = ?3)`,
          ).run(clock.now(), "interrupted while sending (process stopped)", accountId ?? null).changes,
      );
      if (Number(interrupted) > 0) {
        logger.warn(
          { count: Number(interrupted), ...(accountId !== undefined ? { accountId } : {}) },
          "outbox entries interrupted while sending; checking before any resend",
        );
      }
      const uncertain = outbox.list(["unknown"]);
      const report = await settleUncertain(
        accountId === undefined ? uncertain : uncertain.filter((entry) => entry.accountId === accountId),
        check,
        outbox,
        logger,
      );
      if (accountId === undefined) reconciledAll = true;
      else reconciledAccounts.add(accountId);
      return report;
    },
    releaseHolds(accountId) {
      return store.read(() =>
        Number(
          sql(
            "UPDATE outbox SET not_before = 0 WHERE account_id = ? AND state = 'queued' AND held_reason IS NOT NULL",
          ).run(accountId).changes,
        ),
      );
    },
    get(id) {
      return store.read(() => getRow(id));
    },
    hasKey(idempotencyKey) {
      return store.read(
        () => sql("SELECT 1 FROM outbox WHERE idempotency_key = ?").get(idempotencyKey) !== undefined,
      );
    },
    getByKey(idempotencyKey) {
      return store.read(() => {
        const row = sql("SELECT * FROM outbox WHERE idempotency_key = ?").get(idempotencyKey);
        return row ? outboxEntryOf(row as unknown as OutboxRow) : undefined;
      });
    },
    list(states = ALL_STATES) {
      return store.read(() =>
        (
          sql("SELECT * FROM outbox WHERE state IN (SELECT value FROM json_each(?)) ORDER BY id").all(
            JSON.stringify(states),
          ) as unknown as OutboxRow[]
        ).map(outboxEntryOf),
      );
    },
    counts() {
      const counts = Object.fromEntries(ALL_STATES.map((state) => [state, 0])) as Record<OutboxState, number>;
      const rows = store.read(
        () =>
          sql("SELECT state, count(*) AS n FROM outbox GROUP BY state").all() as unknown as {
            state: OutboxState;
            n: number;
          }[],
      );
      for (const row of rows) counts[row.state] = row.n;
      return counts;
    },
    purgeResolved(before) {
      return store.read(() =>
        Number(
          sql("DELETE FROM outbox WHERE state IN ('sent', 'failed') AND updated_at < ?").run(before).changes,
        ),
      );
    },
  };
  return outbox;
}
