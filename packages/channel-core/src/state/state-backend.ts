import type { CursorStore } from "../cursor-store.ts";
import type { HistoryEntry, HistoryStore } from "../history-store.ts";
import type { InboundDedupe } from "../inbound-dedupe.ts";
import type { Outbox, OutboxDraft, OutboxEntry } from "../outbox-types.ts";
import type { PairingService } from "../pairing-service.ts";
import type { PauseStore } from "../pause-store.ts";
import type { PendingTurnDraft, PendingTurnStore } from "../pending-turn-store.ts";
import type { SendLog } from "../send-log.ts";
import type { SessionStore } from "../session-store.ts";

/**
 * `T` with every method returning a promise: the shape of a synchronous store once the database is across a
 * network. Properties that are not methods are kept as they are.
 */
export type AsyncOf<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K];
};

/** Pairing requests, approvals and owner decisions; the rate-limit counters stay in this process. */
export type AsyncPairing = AsyncOf<Omit<PairingService, "counters">> & Pick<PairingService, "counters">;
export type AsyncSessions = AsyncOf<SessionStore>;
/** History reads; the pipeline appends through {@link OutcomeWriter.appendHistory}. */
export type AsyncHistory = AsyncOf<HistoryStore>;
/** Dedupe marks; the pipeline sets them through the `firstSeen` {@link Guard}. */
export type AsyncDedupe = AsyncOf<Omit<InboundDedupe, "counters">> & Pick<InboundDedupe, "counters">;
export type AsyncOutbox = AsyncOf<Outbox>;
export type AsyncCursors = AsyncOf<Omit<CursorStore, "commitWith">>;
export type AsyncPendingTurns = AsyncOf<Omit<PendingTurnStore, "givenUpKept">> &
  Pick<PendingTurnStore, "givenUpKept">;
export type AsyncPauses = AsyncOf<PauseStore>;
export type AsyncSendLog = AsyncOf<SendLog>;

/** A row of the echo memory (what this gateway sent, so its own messages are not taken for inbound ones). */
export interface EchoRow {
  kind: "guid" | "text";
  key: string;
  /** `chatKey␟text` of a send, when known (guid rows). */
  bound?: string;
  expiresAt: number;
}

/** The echo memory's rows of one scope (an account), behind the in-memory `EchoCache`. */
export interface AsyncEchoRows {
  /** Unexpired rows of `scope`, oldest first. */
  load(scope: string, now: number): Promise<EchoRow[]>;
  insert(scope: string, row: EchoRow): Promise<void>;
  /** Deletes the soonest-expiring unexpired `text` row with `key` (one echo matched once). */
  consumeText(scope: string, key: string, now: number): Promise<void>;
  /** Deletes expired rows and all but the newest `keep`. */
  prune(scope: string, now: number, keep: number): Promise<void>;
}

/**
 * A conditional write, "changed" when it affected a row:
 * - `firstSeen`: sets the message's dedupe mark; changed when it was not set (the message is new).
 * - `completePendingTurn`: removes a stored pending turn; changed when there was one.
 * - `giveUp`: marks a turn given up (recording it when `onlyIfPending` is false); changed when it did.
 */
export type Guard =
  | { kind: "firstSeen"; accountId: string; guid: string }
  | { kind: "completePendingTurn"; accountId: string; guid: string }
  | {
      kind: "giveUp";
      draft: PendingTurnDraft;
      outcome: { reason: string; error?: string };
      onlyIfPending: boolean;
    };

/**
 * Records one inbound outcome's writes; nothing runs until the batch commits. Calls apply in order; the
 * first failing one rolls the whole outcome back (and only it).
 */
export interface OutcomeWriter {
  /**
   * Skips the rest of this outcome unless one of `guards`, tried in order, changes a row (the first that
   * does ends the trying: `a || b`). An outcome may have several `onlyIf`s; each gates what follows it.
   */
  onlyIf(...guards: Guard[]): void;
  touchSession(sessionKey: string): void;
  /** Starts a new session generation (`/new`, `/reset`). */
  resetSession(sessionKey: string): void;
  /** Appends to the session's history (a message id already there is not added twice), keeping `limit`. */
  appendHistory(sessionKey: string, entry: HistoryEntry, limit: number): void;
  /** Queues replies in the outbox (a draft whose idempotency key exists is not queued again). */
  enqueue(drafts: readonly OutboxDraft[]): void;
  /** Stores a turn that will be retried (not again if it is already stored). */
  recordPendingTurn(draft: PendingTurnDraft): void;
  recordAttempt(
    accountId: string,
    guid: string,
    update: { attempts: number; nextAttemptAt: number; lastError?: string },
  ): void;
}

/** One {@link OutcomeWriter} call as data (what crosses to the database): `{ op: "touchSession", args: [key] }`. */
export type OutcomeOp = {
  [K in keyof OutcomeWriter]: { op: K; args: Parameters<OutcomeWriter[K]> };
}[keyof OutcomeWriter];

/** Everything one group commit of an account's watcher writes. */
export interface OutcomeBatch {
  accountId: string;
  /**
   * The lease this gateway holds for the account (shared stores): the batch is refused with
   * `PG_LEASE_LOST` when it is no longer current. Undefined on a store only this gateway uses.
   */
  lease?: { holderId: string; fencingToken: number };
  /** The outcomes, in the order their rows finished; each applies or rolls back alone. */
  outcomes: ReadonlyArray<{ rowid: number | undefined; ops: readonly OutcomeOp[] }>;
  /** Moves the account's watch cursor, but only if every outcome listed in `requires` applied. */
  cursor?: { source: string; position: string; requires: readonly number[] };
  /** Claims (marks `sending`) the account's next sendable outbox entry in the same commit. */
  claimNext?: { channel: string };
}

/** What {@link StateBackend.commitOutcomes} did. */
export interface CommitOutcomesResult {
  /** Indexes (into `outcomes`) of outcomes that failed and were rolled back alone. */
  failed: number[];
  /** Whether the cursor moved. */
  cursorMoved: boolean;
  /** The entry claimed for sending, when `claimNext` was asked and one was due. */
  claimed: OutboxEntry | undefined;
}

/** The state every gateway decision reads and writes; implemented over SQLite (default) and PostgreSQL. */
export interface StateBackend {
  readonly kind: "sqlite" | "postgres";
  /** Where the state lives, for logs and `imgate status` (a file path, or the database without secrets). */
  readonly describe: string;
  readonly pairing: AsyncPairing;
  readonly sessions: AsyncSessions;
  readonly history: AsyncHistory;
  readonly dedupe: AsyncDedupe;
  readonly outbox: AsyncOutbox;
  readonly cursors: AsyncCursors;
  readonly pendingTurns: AsyncPendingTurns;
  readonly echo: AsyncEchoRows;
  readonly pauses: AsyncPauses;
  readonly sendLog: AsyncSendLog;
  /** Applies one group commit atomically: one transaction, and one round trip on PostgreSQL. */
  commitOutcomes(batch: OutcomeBatch): Promise<CommitOutcomesResult>;
  close(): Promise<void>;
}
