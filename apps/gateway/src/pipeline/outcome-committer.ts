import type { CursorStore, Logger, OutboxEntry, StateStore } from "@imgate/channel-core";
import type { WatchStart } from "@imgate/imsg-rpc";
import { type CursorTracker, createCursorTracker } from "./cursor-tracker.ts";
import type { DeliveryWorker } from "./delivery-worker.ts";
import { applyWatchStart } from "./watch-start-cursor.ts";

/** Options of {@link createOutcomeCommitter}. */
export interface OutcomeCommitterOptions {
  store: StateStore;
  cursors: CursorStore;
  /** The watcher's account and database the cursor belongs to. */
  accountId: string;
  source: string;
  /** The delivery worker: the next reply is claimed inside the commit, and kicked after it. */
  worker: Pick<DeliveryWorker, "claimWithin" | "forgetClaim" | "kick">;
  logger: Logger;
  /** Defers the group commit to the end of this event-loop turn; default `setImmediate`. */
  defer?(run: () => void): { cancel(): void };
}

/**
 * Persists inbound outcomes and moves the watch cursor past them: one transaction per event-loop turn
 * (a group commit), the cursor only ever past rows whose outcome is durable.
 */
export interface OutcomeCommitter {
  /** The watch reported where it starts (first run, replaced database, resume): see applyWatchStart. */
  watchStarted(start: WatchStart): void;
  /** A watch row starts being handled (rows start in increasing order). */
  startRow(rowid: number): void;
  /**
   * Queues a row's outcome for this turn's group commit. Without a `rowid` (a turn resumed from the
   * state store, whose row is long finished) only `persist` runs.
   */
  finishRow(rowid: number | undefined, persist: () => void): void;
  /** Resolves once the outcomes queued so far are committed (at once when none are). */
  committed(): Promise<void>;
  /** Commits what is queued now (shutdown, flush). */
  commitNow(): void;
  /** Whether a group commit failed: the cursor is held until restart, so everything after it replays. */
  readonly cursorHeld: boolean;
}

const deferImmediate = (run: () => void) => {
  const handle = setImmediate(run);
  return { cancel: () => clearImmediate(handle) };
};

/** Creates the {@link OutcomeCommitter} of one watcher. */
export function createOutcomeCommitter(options: OutcomeCommitterOptions): OutcomeCommitter {
  const { store, cursors, accountId, source, worker, logger } = options;
  const defer = options.defer ?? deferImmediate;
  let tracker: CursorTracker | undefined;
  let pendingRows: Array<{ rowid: number | undefined; persist: () => void }> = [];
  let scheduled: { cancel(): void } | undefined;
  let waiters: Array<() => void> = [];
  let cursorHeld = false;

  /**
   * Commits every outcome finished in this event-loop turn in ONE transaction, with the cursor moved past
   * the rows whose outcomes it holds (a commit per message was most of the catch-up time: bench/catch-up.ts).
   * Each outcome runs in its own savepoint: one that fails is rolled back alone and its row is never
   * finished, so the cursor stays below it and the next start replays it. Delivery is kicked only after
   * the commit, so nothing is sent before its outbox row is durable; the first entry it will send is
   * claimed inside the commit (the worker's claimWithin), when the worker is idle.
   */
  const commitNow = () => {
    scheduled?.cancel();
    scheduled = undefined;
    const rows = pendingRows;
    pendingRows = [];
    const resolved = waiters;
    waiters = [];
    for (const resolve of resolved) queueMicrotask(resolve);
    if (rows.length === 0) return;
    let claim: OutboxEntry | undefined;
    try {
      store.transaction(() => {
        let moved: number | undefined;
        for (const { rowid, persist } of rows) {
          try {
            store.transaction(persist);
          } catch (error) {
            logger.error(
              { err: error, rowid },
              "could not persist an inbound outcome; it is replayed on the next start",
            );
            continue;
          }
          if (rowid !== undefined) moved = tracker?.finish(rowid) ?? moved;
        }
        if (moved !== undefined && !cursorHeld) cursors.commit(accountId, source, String(moved));
        // The next reply is claimed (`sending`) in this same commit: one commit fewer per message.
        claim = worker.claimWithin();
      });
    } catch (error) {
      if (claim) worker.forgetClaim(claim);
      cursorHeld = true;
      logger.error(
        { err: error, rows: rows.length },
        "could not commit inbound outcomes; the cursor is held and they are replayed on the next start",
      );
    }
    worker.kick();
  };

  return {
    watchStarted(start) {
      tracker = applyWatchStart(start, tracker, { cursors, accountId, source, logger });
    },
    startRow(rowid) {
      // The watch reports its start before any row; this only guards the invariant.
      tracker ??= createCursorTracker(rowid - 1);
      tracker.start(rowid);
    },
    finishRow(rowid, persist) {
      pendingRows.push({ rowid, persist });
      scheduled ??= defer(commitNow);
    },
    committed: () =>
      pendingRows.length === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve)),
    commitNow,
    get cursorHeld() {
      return cursorHeld;
    },
  };
}
