import { type CursorStore, createCursorStore } from "../cursor-store.ts";
import { createEchoRows, type EchoRows } from "../echo-rows.ts";
import { createHistoryStore, type HistoryStore } from "../history-store.ts";
import { createInboundDedupe, type InboundDedupe } from "../inbound-dedupe.ts";
import { createOutbox } from "../outbox.ts";
import type { Outbox, OutboxEntry } from "../outbox-types.ts";
import { createPairingService, type PairingService, type PairingServiceOptions } from "../pairing-service.ts";
import { createPauseStore, type PauseStore } from "../pause-store.ts";
import { createPendingTurnStore, type PendingTurnStore } from "../pending-turn-store.ts";
import { createSendLog, type SendLog } from "../send-log.ts";
import { createSessionStore, type SessionStore } from "../session-store.ts";
import type { StateStore } from "../state-store.ts";
import { asyncView } from "./async-view.ts";
import type { CommitOutcomesResult, Guard, OutcomeBatch, OutcomeOp, StateBackend } from "./state-backend.ts";

/** Options of {@link createSqliteBackend}. */
export interface SqliteBackendOptions {
  /** The pairing service's options (code expiry, reject cooldown, caps); its defaults otherwise. */
  pairing?: Omit<PairingServiceOptions, "store">;
  /** Sessions whose recent history stays in memory (`HistoryStoreOptions.cacheSessions`). Default 0. */
  historyCacheSessions?: number;
}

/** The synchronous stores a {@link SqliteBackend} wraps, for code that still runs inside `store.transaction`. */
export interface SqliteStores {
  pairing: PairingService;
  sessions: SessionStore;
  history: HistoryStore;
  dedupe: InboundDedupe;
  outbox: Outbox;
  cursors: CursorStore;
  pendingTurns: PendingTurnStore;
  echo: EchoRows;
  pauses: PauseStore;
  sendLog: SendLog;
}

/** The {@link StateBackend} over one SQLite state file (one gateway per file). */
export interface SqliteBackend extends StateBackend {
  readonly kind: "sqlite";
  /** The same stores, synchronous: the async views call exactly these instances. */
  readonly stores: SqliteStores;
}

/**
 * Creates the {@link StateBackend} over an open SQLite {@link StateStore}: the existing synchronous stores,
 * each method returning a promise, and `commitOutcomes` as one transaction with a savepoint per outcome.
 * `batch.lease` is ignored (a SQLite file has one gateway). `close()` closes `store`.
 */
export function createSqliteBackend(store: StateStore, options: SqliteBackendOptions = {}): SqliteBackend {
  const stores: SqliteStores = {
    pairing: createPairingService({ ...options.pairing, store }),
    sessions: createSessionStore(store),
    history: createHistoryStore(store, { cacheSessions: options.historyCacheSessions ?? 0 }),
    dedupe: createInboundDedupe({ store }),
    outbox: createOutbox({ store }),
    cursors: createCursorStore(store),
    pendingTurns: createPendingTurnStore(store),
    echo: createEchoRows(store),
    pauses: createPauseStore({ store }),
    sendLog: createSendLog({ store }),
  };
  const { commitWith: _commitWith, ...cursorOps } = stores.cursors;

  /** Whether `guard` changed a row (see {@link Guard}). */
  const passes = (guard: Guard): boolean => {
    switch (guard.kind) {
      case "firstSeen":
        return !stores.dedupe.seen(guard.accountId, guard.guid);
      case "completePendingTurn":
        return stores.pendingTurns.complete(guard.accountId, guard.guid);
      case "giveUp":
        return stores.pendingTurns.giveUp(guard.draft, guard.outcome, { onlyIfPending: guard.onlyIfPending });
      default:
        throw new TypeError(`Unknown outcome guard ${JSON.stringify((guard as { kind?: unknown }).kind)}.`);
    }
  };

  /** Applies one outcome's ops in order; a failed `onlyIf` skips the rest. Throws on the first failing op. */
  const apply = (ops: readonly OutcomeOp[]): void => {
    for (const op of ops) {
      switch (op.op) {
        case "onlyIf":
          if (!op.args.some(passes)) return;
          break;
        case "touchSession":
          stores.sessions.touchSession(...op.args);
          break;
        case "resetSession":
          stores.sessions.resetSession(...op.args);
          break;
        case "appendHistory":
          stores.history.append(...op.args);
          break;
        case "enqueue":
          for (const draft of op.args[0]) stores.outbox.enqueue(draft);
          break;
        case "recordPendingTurn":
          stores.pendingTurns.record(...op.args);
          break;
        case "recordAttempt":
          stores.pendingTurns.recordAttempt(...op.args);
          break;
        default:
          throw new TypeError(`Unknown outcome op ${JSON.stringify((op as { op?: unknown }).op)}.`);
      }
    }
  };

  const commitOutcomes = (batch: OutcomeBatch): CommitOutcomesResult =>
    store.transaction(() => {
      const failed: number[] = [];
      batch.outcomes.forEach((outcome, index) => {
        try {
          store.transaction(() => apply(outcome.ops));
        } catch (error) {
          failed.push(index);
          store.logger.error(
            { err: error, accountId: batch.accountId, rowid: outcome.rowid, index },
            "could not persist an inbound outcome; it was rolled back alone",
          );
        }
      });
      // The cursor moves only past outcomes that are durable: every required one applied (a skipped one did).
      const { cursor } = batch;
      const applied = (index: number) =>
        index >= 0 && index < batch.outcomes.length && !failed.includes(index);
      let cursorMoved = false;
      if (cursor?.requires.every(applied)) {
        stores.cursors.commit(batch.accountId, cursor.source, cursor.position);
        cursorMoved = true;
      }
      const claimed: OutboxEntry | undefined = batch.claimNext
        ? stores.outbox.claimNext({ channel: batch.claimNext.channel, accountId: batch.accountId })
        : undefined;
      return { failed, cursorMoved, claimed };
    });

  return {
    kind: "sqlite",
    describe: store.path,
    stores,
    pairing: asyncView(stores.pairing, ["counters"]),
    sessions: asyncView(stores.sessions),
    history: asyncView(stores.history),
    dedupe: asyncView(stores.dedupe, ["counters"]),
    outbox: asyncView(stores.outbox),
    cursors: asyncView(cursorOps),
    pendingTurns: asyncView(stores.pendingTurns),
    echo: asyncView(stores.echo),
    pauses: asyncView(stores.pauses),
    sendLog: asyncView(stores.sendLog),
    commitOutcomes: async (batch) => commitOutcomes(batch),
    close: async () => store.close(),
  };
}
