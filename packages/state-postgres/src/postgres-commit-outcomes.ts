import {
  type Clock,
  type CommitOutcomesResult,
  type Logger,
  type OutboxRow,
  type OutcomeBatch,
  outboxEntryOf,
} from "@imgate/channel-core";
import { PostgresErrorCode, PostgresStateError } from "./postgres-errors.ts";
import { type PostgresQuery, toJsonParam } from "./postgres-query.ts";

/** SQLSTATE `imgate_commit_outcomes` raises when the batch's lease is not current (migration 3). */
export const LEASE_LOST_SQLSTATE = "IGL01";

/** What the SQL function returns. */
interface CommitResultJson {
  failed: number[];
  cursorMoved: boolean;
  claimed: OutboxRow | null;
  errors: Array<{ index: number; sqlstate: string; message: string }>;
}

/** Options of {@link createCommitOutcomes}. */
export interface CommitOutcomesOptions {
  query: PostgresQuery;
  clock: Clock;
  logger: Logger;
  generateId: () => string;
  dedupeTtlMs: number;
  givenUpKept: number;
  /** Throws when `claimNext` may not hand out entries of the account yet (outbox not reconciled). */
  assertReconciled(accountId: string): void;
}

/**
 * `commitOutcomes` on PostgreSQL: the whole batch as one `jsonb` argument of `imgate_commit_outcomes`, so ONE
 * statement and one round trip however many outcomes it holds. The gateway's clock gives `now`; new session
 * ids are drawn here (as the SQLite store draws them), so the SQL stays deterministic.
 */
export function createCommitOutcomes(
  options: CommitOutcomesOptions,
): (batch: OutcomeBatch) => Promise<CommitOutcomesResult> {
  const { query, clock, logger } = options;
  return async (batch) => {
    if (batch.claimNext) options.assertReconciled(batch.accountId);
    const wire = {
      accountId: batch.accountId,
      now: clock.now(),
      dedupeTtlMs: options.dedupeTtlMs,
      givenUpKept: options.givenUpKept,
      lease: batch.lease ?? null,
      outcomes: batch.outcomes.map((outcome) => ({
        ops: outcome.ops.map((op) =>
          op.op === "touchSession" || op.op === "resetSession"
            ? { ...op, sessionId: options.generateId() }
            : op,
        ),
      })),
      cursor: batch.cursor ?? null,
      claimNext: batch.claimNext ?? null,
    };
    let result: CommitResultJson;
    try {
      const { rows } = await query<{ result: CommitResultJson }>(
        "SELECT imgate_commit_outcomes($1::jsonb) AS result",
        [toJsonParam(wire)],
      );
      result = (rows[0] as { result: CommitResultJson }).result;
    } catch (error) {
      if ((error as { code?: unknown }).code === LEASE_LOST_SQLSTATE && batch.lease) {
        const lost = new PostgresStateError(
          PostgresErrorCode.leaseLost,
          `The lease of account ${batch.accountId} is no longer held by ${batch.lease.holderId} (fencing token ` +
            `${batch.lease.fencingToken}): nothing of this batch was written. Stop serving this account; ` +
            "acquire the lease again to take it back.",
          { cause: error },
        );
        logger.warn({ accountId: batch.accountId, holderId: batch.lease.holderId }, lost.message);
        throw lost;
      }
      throw error;
    }
    for (const failure of result.errors) {
      // As the SQLite backend logs it; the row stays unfinished and is replayed.
      logger.error(
        {
          err: { code: failure.sqlstate, message: failure.message },
          accountId: batch.accountId,
          rowid: batch.outcomes[failure.index]?.rowid,
          index: failure.index,
        },
        "could not persist an inbound outcome; it was rolled back alone",
      );
    }
    return {
      failed: result.failed,
      cursorMoved: result.cursorMoved,
      claimed: result.claimed ? outboxEntryOf(result.claimed) : undefined,
    };
  };
}
