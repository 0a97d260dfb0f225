import {
  type CommitOutcomesResult,
  type Logger,
  type OutboxEntry,
  type OutcomeBatch,
  type OutcomeOp,
  type OutcomeWriter,
  recordOutcome,
  type StateBackend,
} from "@imgate/channel-core";
import type { WatchStart } from "@imgate/imsg-rpc";
import { type CursorTracker, createCursorTracker } from "./cursor-tracker.ts";
import type { DeliveryWorker } from "./delivery-worker.ts";
import { applyWatchStart } from "./watch-start-cursor.ts";

/** Options of {@link createOutcomeCommitter}. */
export interface OutcomeCommitterOptions {
  backend: Pick<StateBackend, "commitOutcomes" | "cursors">;
  /** The watcher's account and database the cursor belongs to. */
  accountId: string;
  source: string;
  /** The channel whose outbox entry is claimed in the commit. */
  channel?: string;
  /** The delivery worker: the next reply is claimed inside the commit, and kicked after it. */
  worker: Pick<DeliveryWorker, "claimInBatch" | "adoptClaim" | "kick">;
  logger: Logger;
  /** Defers the group commit to the end of this event-loop turn; default `setImmediate`. */
  defer?(run: () => void): { cancel(): void };
  /** The account's lease on a shared database: every batch carries it (refused once it is stale). */
  lease?: () => { holderId: string; fencingToken: number } | undefined;
}

/**
 * Persists inbound outcomes and moves the watch cursor past them: one `commitOutcomes` per event-loop
 * turn (a group commit), the cursor only ever past rows whose outcome is durable.
 */
export interface OutcomeCommitter {
  /** The watch reported where it starts (first run, replaced database, resume): see applyWatchStart. */
  watchStarted(start: WatchStart): void;
  /** A watch row starts being handled (rows start in increasing order). */
  startRow(rowid: number): void;
  /**
   * Queues a row's outcome for the next group commit: `persist` records its writes on the writer (it runs
   * when the batch is built, so it sees the state of the job at that time). Without a `rowid` (a turn
   * resumed from the state store, whose row is long finished) only the writes apply.
   */
  finishRow(rowid: number | undefined, persist: (writer: OutcomeWriter) => void): void;
  /** Resolves once the outcomes queued so far are committed (after commits in flight when none are). */
  committed(): Promise<void>;
  /** Commits what is queued now (shutdown, flush); resolves when that commit is done. */
  commitNow(): Promise<void>;
  /** Whether a group commit failed: the cursor is held until restart, so everything after it replays. */
  readonly cursorHeld: boolean;
}

const deferImmediate = (run: () => void) => {
  const handle = setImmediate(run);
  return { cancel: () => clearImmediate(handle) };
};

/** Creates the {@link OutcomeCommitter} of one watcher. */
export function createOutcomeCommitter(options: OutcomeCommitterOptions): OutcomeCommitter {
  const { backend, accountId, source, worker, logger } = options;
  const channel = options.channel ?? "imessage";
  const defer = options.defer ?? deferImmediate;
  let tracker: CursorTracker | undefined;
  let pendingRows: Array<{ rowid: number | undefined; persist: (writer: OutcomeWriter) => void }> = [];
  let scheduled: { cancel(): void } | undefined;
  let waiters: Array<() => void> = [];
  let cursorHeld = false;
  /**
   * The last commit (or cursor write) queued; it never rejects. Commits are serial: the next one starts
   * after it, so cursor writes can never reorder.
   */
  let tail: Promise<void> = Promise.resolve();

  const holdCursor = (error: unknown, fields: Record<string, unknown>, message: string) => {
    cursorHeld = true;
    logger.error({ err: error, ...fields }, message);
  };

  /** Sends one batch; a claim that makes it fail (not reconciled, …) is dropped and the batch sent again. */
  const send = async (batch: OutcomeBatch): Promise<CommitOutcomesResult> => {
    try {
      return await backend.commitOutcomes(batch);
    } catch (error) {
      if (!batch.claimNext) throw error;
      // A rejected batch applied nothing: the same outcomes again, without the claim the loop can retry.
      logger.error({ err: error }, "outbox: cannot claim the next entry in the group commit");
      const { claimNext: _claim, ...withoutClaim } = batch;
      return await backend.commitOutcomes(withoutClaim);
    }
  };

  /**
   * Commits every outcome queued since the last commit in ONE `commitOutcomes`, with the cursor moved past
   * the rows whose outcomes it holds (a commit per message was most of the catch-up time: bench/catch-up.ts).
   * Each outcome applies or rolls back alone: one that fails leaves its row unfinished, so the cursor stays
   * below it (the batch's cursor `requires` every outcome at or below it) and the next start replays it.
   * Delivery is kicked only after the commit, so nothing is sent before its outbox row is durable; the
   * first entry it will send is claimed inside the commit when the worker is idle.
   */
  const commitQueued = async (): Promise<void> => {
    const rows = pendingRows;
    pendingRows = [];
    const resolved = waiters;
    waiters = [];
    try {
      if (rows.length === 0) return;
      const outcomes: Array<{ rowid: number | undefined; ops: OutcomeOp[] }> = [];
      for (const { rowid, persist } of rows) {
        try {
          outcomes.push({ rowid, ops: recordOutcome(persist) });
        } catch (error) {
          logger.error(
            { err: error, rowid },
            "could not persist an inbound outcome; it is replayed on the next start",
          );
        }
      }
      const rowids = outcomes.flatMap((outcome) => (outcome.rowid === undefined ? [] : [outcome.rowid]));
      const position = cursorHeld ? undefined : tracker?.peekFinish(rowids);
      const lease = options.lease?.();
      const batch: OutcomeBatch = {
        accountId,
        ...(lease ? { lease } : {}),
        outcomes,
        ...(position !== undefined
          ? {
              cursor: {
                source,
                position: String(position),
                requires: outcomes.flatMap((outcome, index) =>
                  outcome.rowid !== undefined && outcome.rowid <= position ? [index] : [],
                ),
              },
            }
          : {}),
      };
      // The next reply is claimed (`sending`) in this same commit: one commit fewer per message.
      const claim = await worker.claimInBatch();
      if (claim) batch.claimNext = { channel };
      let claimed: OutboxEntry | undefined;
      try {
        const result = await send(batch);
        claimed = result.claimed;
        outcomes.forEach((outcome, index) => {
          if (outcome.rowid !== undefined && !result.failed.includes(index)) tracker?.finish(outcome.rowid);
        });
      } catch (error) {
        holdCursor(
          error,
          { rows: rows.length },
          "could not commit inbound outcomes; the cursor is held and they are replayed on the next start",
        );
      } finally {
        if (claim) worker.adoptClaim(claimed);
      }
      worker.kick();
    } finally {
      for (const resolve of resolved) resolve();
    }
  };

  const commitNow = (): Promise<void> => {
    scheduled?.cancel();
    scheduled = undefined;
    const run = tail.then(commitQueued);
    tail = run;
    return run;
  };

  /** Writes the cursor behind the commits queued so far (the watch's start). */
  const writeCursor = (position: string) => {
    tail = tail.then(async () => {
      if (cursorHeld) return;
      try {
        await backend.cursors.commit(accountId, source, position);
      } catch (error) {
        holdCursor(error, { position }, "could not record the watch's start; the cursor is held");
      }
    });
  };

  return {
    watchStarted(start) {
      tracker = applyWatchStart(start, tracker, {
        cursors: { commit: (_accountId, _source, position) => writeCursor(position) },
        accountId,
        source,
        logger,
      });
    },
    startRow(rowid) {
      // The watch reports its start before any row; this only guards the invariant.
      tracker ??= createCursorTracker(rowid - 1);
      tracker.start(rowid);
    },
    finishRow(rowid, persist) {
      pendingRows.push({ rowid, persist });
      scheduled ??= defer(() => void commitNow());
    },
    committed: () =>
      pendingRows.length === 0 ? tail : new Promise<void>((resolve) => waiters.push(resolve)),
    commitNow,
    get cursorHeld() {
      return cursorHeld;
    },
  };
}
