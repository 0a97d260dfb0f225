import type { StateStore } from "./state-store.ts";

/**
 * Lifecycle of an outbound chunk: `queued` → `sending` → `sent` | `failed` | `unknown`.
 * `unknown` means it may or may not have reached the person; it is never resent on its own.
 */
export type OutboxState = "queued" | "sending" | "sent" | "failed" | "unknown";

/** What to send, as handed to {@link Outbox.enqueue}. */
export interface OutboxDraft {
  /** Unique per chunk: {@link replyIdempotencyKey} for replies, {@link agentIdempotencyKey} otherwise. */
  idempotencyKey: string;
  channel: string;
  accountId: string;
  /** Conversation the chunk belongs to; entries of one chat are sent strictly in order. */
  chatKey: string;
  /** The channel's target string (e.g. `chat_id:42`); opaque to channel-core. */
  target: string;
  text: string;
  /** Local paths of files to send with this chunk. */
  media?: string[];
  /** Channel-specific extras (JSON-serialisable). */
  meta?: Record<string, unknown>;
  /**
   * A reaction to send instead of text (e.g. `love`; the channel's vocabulary), on the message named by
   * `replyTo`. Such an entry carries no text and no files.
   */
  reaction?: string;
  /**
   * The channel's id (e.g. guid) of an earlier message this entry refers to: the one it answers inline
   * (threaded reply), or the one its `reaction` goes on.
   */
  replyTo?: string;
}

/** A persisted outbox entry. */
export interface OutboxEntry extends OutboxDraft {
  id: number;
  state: OutboxState;
  /** Number of times the entry was handed out for sending. */
  attempts: number;
  lastError?: string;
  /** The channel's id for the sent message (e.g. its guid), when known. */
  resultId?: string;
  /** Not handed out before this time (ms); set by a retry or a hold. */
  notBefore: number;
  /**
   * Why a `queued` entry is held back (a pause or an outbound limit, see {@link Outbox.hold}); cleared by
   * the entry's next transition.
   */
  heldReason?: string;
  createdAt: number;
  updatedAt: number;
}

/** The channel's verdict on an entry whose delivery is uncertain, from {@link Outbox.reconcile}. */
export type ReconcileVerdict = "sent" | "not_sent" | "unknown" | { state: "sent"; resultId?: string };

/** What {@link Outbox.reconcile} did. */
export interface ReconcileReport {
  /** Entries confirmed delivered. */
  sent: number;
  /** Entries confirmed not delivered, queued again. */
  requeued: number;
  /** Entries still uncertain; they hold back their chat until resolved with `markFailed` or `requeue`. */
  unknown: OutboxEntry[];
  /**
   * Entries whose check could not run (it threw, e.g. imsg was down): they stay `unknown` and hold back
   * their chat; reconcile again once the channel can answer. Never treat them as undecidable.
   */
  unchecked: OutboxEntry[];
}

/** Options of {@link createOutbox}. */
export interface OutboxOptions {
  store: StateStore;
  /**
   * When true (default), `claimNext` and `markSending` refuse to work until `reconcile()` ran on this
   * instance (for every account, or for the account claimed), so nothing is resent before uncertain
   * entries are checked. The CLI, which only enqueues
   * and lists, may pass false.
   */
  requireReconcile?: boolean;
}

/** The persistent outbound queue: every chunk is stored before it is sent and never sent twice. */
export interface Outbox {
  /** Stores `draft` as `queued`. A repeated idempotency key returns the existing entry with `created: false`. */
  enqueue(draft: OutboxDraft): { entry: OutboxEntry; created: boolean };
  /**
   * Hands out the oldest `queued` entry that is due and has no earlier unresolved (`queued`, `sending`,
   * `unknown`) entry in the same chat, moving it to `sending` and counting the attempt.
   */
  claimNext(filter?: { channel?: string; accountId?: string }): OutboxEntry | undefined;
  /** Moves a specific `queued` entry to `sending`, under the same ordering rule as `claimNext`. */
  markSending(id: number): OutboxEntry;
  /** `sending` (or `unknown`) → `sent`, recording the channel's id for the message. */
  markSent(id: number, resultId?: string): OutboxEntry;
  /**
   * `sending` (or `unknown`) → `failed` with `error`; with `retryAt`, back to `queued` until that time
   * instead (use only when the channel knows the message did not go out).
   */
  markFailed(id: number, error: string, options?: { retryAt?: number }): OutboxEntry;
  /** `sending` → `unknown`: the send may have happened (timeout, connection lost mid-send). */
  markUnknown(id: number, error: string): OutboxEntry;
  /** `unknown` or `failed` → `queued`, when a person or the channel decided resending is right. */
  requeue(id: number): OutboxEntry;
  /**
   * `sending` → `queued` without an attempt: a claimed entry that must wait (an outbound limit) until
   * `until` (ms), with `reason` kept for status pages. It keeps its place in its chat's order.
   */
  hold(id: number, reason: string, until: number): OutboxEntry;
  /**
   * Makes every held entry of `accountId` due now (its reason stays until its next transition), so the
   * sender judges it afresh — after the limits changed. Returns how many.
   */
  releaseHolds(accountId: string): number;
  /**
   * Run once at start-up, before anything is sent: entries left in `sending` by a crash become
   * `unknown`, then `check` (supplied by the channel) decides each `unknown` entry. Async checks run
   * outside any transaction.
   *
   * With `filter.accountId` only that account's entries are touched, and only that account may then be
   * claimed (`claimNext({ accountId })`, `markSending` of its entries): on a database shared by several
   * gateways each reconciles just the accounts it serves, never another gateway's in-flight sends.
   */
  reconcile(
    check: (entry: OutboxEntry) => ReconcileVerdict | Promise<ReconcileVerdict>,
    filter?: { accountId?: string },
  ): Promise<ReconcileReport>;
  get(id: number): OutboxEntry | undefined;
  getByKey(idempotencyKey: string): OutboxEntry | undefined;
  /** Whether an entry with this idempotency key exists (cheaper than {@link Outbox.getByKey}). */
  hasKey(idempotencyKey: string): boolean;
  /** Entries in the given states (all when omitted), oldest first. */
  list(states?: readonly OutboxState[]): OutboxEntry[];
  /** Number of entries per state. */
  counts(): Record<OutboxState, number>;
  /** Deletes `sent` and `failed` entries last updated before `before` (ms); returns how many. */
  purgeResolved(before: number): number;
}
