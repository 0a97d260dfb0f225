import type { Logger } from "./logger.ts";
import type { Outbox, OutboxEntry, OutboxState, ReconcileReport, ReconcileVerdict } from "./outbox-types.ts";
import { OutboxError, StateErrorCode } from "./state-errors.ts";

/** What a transition sets besides the state (see {@link outboxMarks}). */
export interface OutboxTransitionSet {
  lastError?: string;
  resultId?: string;
  notBefore?: number;
  /** Counts a hand-out for sending. */
  attempt?: boolean;
}

/**
 * One state change of an entry: `id` moves to `to` only from one of `from` (else the store throws its
 * `OUTBOX_STATE` error), clearing any hold. Each store implements it as one statement.
 */
export type OutboxTransition<R> = (
  id: number,
  from: readonly OutboxState[],
  to: OutboxState,
  set?: OutboxTransitionSet,
) => R;

type Mark<K extends keyof Outbox, R> = (...args: Parameters<Outbox[K]>) => R;

/**
 * The outbox's delivery marks as ONE state machine for every store (SQLite, PostgreSQL): `sent` from `sending`
 * or `unknown`; `failed` from `sending`, `unknown` or `queued`, or back to `queued` with a retry time; `unknown`
 * from `sending`; `requeue` from `unknown` or `failed`.
 */
export function outboxMarks<R>(transition: OutboxTransition<R>): {
  markSent: Mark<"markSent", R>;
  markFailed: Mark<"markFailed", R>;
  markUnknown: Mark<"markUnknown", R>;
  requeue: Mark<"requeue", R>;
} {
  return {
    markSent: (id, resultId) =>
      transition(id, ["sending", "unknown"], "sent", resultId === undefined ? {} : { resultId }),
    markFailed: (id, error, options = {}) =>
      options.retryAt !== undefined
        ? transition(id, ["sending"], "queued", { lastError: error, notBefore: options.retryAt })
        : transition(id, ["sending", "unknown", "queued"], "failed", { lastError: error }),
    markUnknown: (id, error) => transition(id, ["sending"], "unknown", { lastError: error }),
    requeue: (id) => transition(id, ["unknown", "failed"], "queued", { notBefore: 0 }),
  };
}

/**
 * Reconciliation's second half, the same for every store: asks `check` about each uncertain entry and applies
 * its verdict — `sent` marks it sent, `not_sent` queues it again, `unknown` leaves it for the operator; a check
 * that throws leaves the entry unknown (`unchecked`). Entries are checked one at a time, in the given order.
 */
export async function settleUncertain(
  entries: readonly OutboxEntry[],
  check: (entry: OutboxEntry) => ReconcileVerdict | Promise<ReconcileVerdict>,
  marks: {
    markSent(id: number, resultId?: string): unknown;
    requeue(id: number): unknown;
  },
  logger: Logger,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { sent: 0, requeued: 0, unknown: [], unchecked: [] };
  for (const entry of entries) {
    let verdict: ReconcileVerdict;
    try {
      verdict = await check(entry);
    } catch (error) {
      logger.warn({ id: entry.id, err: error }, "outbox reconcile check failed; entry stays unknown");
      report.unchecked.push(entry);
      continue;
    }
    if (verdict === "sent" || (typeof verdict === "object" && verdict.state === "sent")) {
      await marks.markSent(entry.id, typeof verdict === "object" ? verdict.resultId : undefined);
      report.sent += 1;
    } else if (verdict === "not_sent") {
      await marks.requeue(entry.id);
      report.requeued += 1;
    } else {
      report.unknown.push(entry);
    }
  }
  return report;
}

/** The `OUTBOX_INVALID_STATE` error of a refused transition; `current` is the entry as it is now (if it exists). */
export function outboxStateError(
  id: number,
  current: Pick<OutboxEntry, "state"> | undefined,
  from: readonly OutboxState[],
  to: OutboxState,
): OutboxError {
  return new OutboxError(
    StateErrorCode.outboxState,
    current
      ? `Outbox entry ${id} is ${current.state}; it can only become ${to} from ${from.join(" or ")}. ` +
          "Re-read it with outbox.get() and act on its current state."
      : `Outbox entry ${id} does not exist (it may have been purged); nothing to update.`,
  );
}

/**
 * The `OUTBOX_NOT_RECONCILED` error: entries were asked for (of `accountId`, or of every account) before
 * `reconcile()` ran for them; `reconciled` are the accounts it ran for.
 */
export function notReconciledError(
  reconciled: ReadonlySet<string>,
  accountId: string | undefined,
): OutboxError {
  return new OutboxError(
    StateErrorCode.outboxNotReconciled,
    reconciled.size === 0
      ? "The outbox was asked for entries to send before reconcile() ran; call outbox.reconcile(check) once at " +
          "start-up so entries interrupted by a crash are checked before anything is resent."
      : `The outbox was asked for entries to send${accountId === undefined ? " of every account" : ` of account ${accountId}`}, ` +
          `but reconcile() only ran for ${[...reconciled].join(", ")}; call outbox.reconcile(check, { accountId }) ` +
          "for that account first (or claim with an accountId filter).",
  );
}
