import { randomUUID } from "node:crypto";
import { OutboxError, StateErrorCode } from "./state-errors.ts";
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
   * instance, so nothing is resent before uncertain entries are checked. The CLI, which only enqueues
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
   */
  reconcile(
    check: (entry: OutboxEntry) => ReconcileVerdict | Promise<ReconcileVerdict>,
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

interface OutboxRow {
  id: number;
  idempotency_key: string;
  channel: string;
  account_id: string;
  chat_key: string;
  target: string;
  text: string;
  media: string | null;
  meta: string | null;
  reaction: string | null;
  reply_to: string | null;
  state: OutboxState;
  attempts: number;
  last_error: string | null;
  result_id: string | null;
  not_before: number;
  held_reason?: string | null;
  created_at: number;
  updated_at: number;
}

function toEntry(row: OutboxRow): OutboxEntry {
  const entry: OutboxEntry = {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    channel: row.channel,
    accountId: row.account_id,
    chatKey: row.chat_key,
    target: row.target,
    text: row.text,
    state: row.state,
    attempts: row.attempts,
    notBefore: row.not_before,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.media !== null) entry.media = JSON.parse(row.media) as string[];
  if (row.meta !== null) entry.meta = JSON.parse(row.meta) as Record<string, unknown>;
  if (row.reaction !== null) entry.reaction = row.reaction;
  if (row.reply_to !== null) entry.replyTo = row.reply_to;
  if (row.last_error !== null) entry.lastError = row.last_error;
  if (row.result_id !== null) entry.resultId = row.result_id;
  if (row.held_reason != null) entry.heldReason = row.held_reason;
  return entry;
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
  let reconciled = false;
  const sql = (text: string) => store.statement(text);

  const getRow = (id: number) => {
    const row = sql("SELECT * FROM outbox WHERE id = ?").get(id);
    return row ? toEntry(row as unknown as OutboxRow) : undefined;
  };

  const assertReconciled = () => {
    if (requireReconcile && !reconciled) {
      throw new OutboxError(
        StateErrorCode.outboxNotReconciled,
        "The outbox was asked for entries to send before reconcile() ran; call outbox.reconcile(check) once at " +
          "start-up so entries interrupted by a crash are checked before anything is resent.",
      );
    }
  };

  const stateError = (id: number, from: readonly OutboxState[], to: OutboxState): OutboxError => {
    const current = getRow(id);
    return new OutboxError(
      StateErrorCode.outboxState,
      current
        ? `Outbox entry ${id} is ${current.state}; it can only become ${to} from ${from.join(" or ")}. ` +
            "Re-read it with outbox.get() and act on its current state."
        : `Outbox entry ${id} does not exist (it may have been purged); nothing to update.`,
    );
  };

  /**
   * Moves `id` from one of `from` to `to` with extra column updates; throws when the state does not allow
   * it. One `UPDATE … RETURNING` statement: atomic on its own, so no explicit transaction (and no extra
   * reads) on the delivery hot path.
   */
  const transition = (
    id: number,
    from: readonly OutboxState[],
    to: OutboxState,
    set: { lastError?: string | null; resultId?: string | null; notBefore?: number; attempt?: boolean } = {},
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
      return toEntry(row as unknown as OutboxRow);
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
        ).get(
          draft.idempotencyKey,
          draft.channel,
          draft.accountId,
          draft.chatKey,
          draft.target,
          draft.text,
          draft.media && draft.media.length > 0 ? JSON.stringify(draft.media) : null,
          draft.meta === undefined ? null : JSON.stringify(draft.meta),
          draft.reaction ?? null,
          draft.replyTo ?? null,
          now,
          now,
        );
        if (inserted) return { entry: toEntry(inserted as unknown as OutboxRow), created: true };
        return { entry: outbox.getByKey(draft.idempotencyKey)!, created: false };
      });
    },
    claimNext(filter = {}) {
      assertReconciled();
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
        return row ? toEntry(row as unknown as OutboxRow) : undefined;
      });
    },
    markSending(id) {
      assertReconciled();
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
    markSent(id, resultId) {
      return transition(id, ["sending", "unknown"], "sent", resultId === undefined ? {} : { resultId });
    },
    markFailed(id, error, failOptions = {}) {
      if (failOptions.retryAt !== undefined) {
        return transition(id, ["sending"], "queued", { lastError: error, notBefore: failOptions.retryAt });
      }
      return transition(id, ["sending", "unknown", "queued"], "failed", { lastError: error });
    },
    markUnknown(id, error) {
      return transition(id, ["sending"], "unknown", { lastError: error });
    },
    requeue(id) {
      return transition(id, ["unknown", "failed"], "queued", { notBefore: 0 });
    },
    hold(id, reason, until) {
      return store.read(() => {
        const row = sql(
          `UPDATE outbox SET state = 'queued', updated_at = ?, attempts = max(0, attempts - 1), held_reason = ?,
             not_before = ? WHERE id = ? AND state = 'sending' RETURNING *`,
        ).get(clock.now(), reason, until, id);
        if (!row) throw stateError(id, ["sending"], "queued");
        return toEntry(row as unknown as OutboxRow);
      });
    },
    async reconcile(check) {
      const interrupted = store.transaction(
        () =>
          sql(
            "UPDATE outbox SET state = 'unknown', updated_at = ?, last_error = COALESCE(last_error, ?) WHERE state = 'sending'",
          ).run(clock.now(), "interrupted while sending (process stopped)").changes,
      );
      if (Number(interrupted) > 0) {
        logger.warn(
          { count: Number(interrupted) },
          "outbox entries interrupted while sending; checking before any resend",
        );
      }
      const report: ReconcileReport = { sent: 0, requeued: 0, unknown: [], unchecked: [] };
      for (const entry of outbox.list(["unknown"])) {
        let verdict: ReconcileVerdict;
        try {
          verdict = await check(entry);
        } catch (error) {
          logger.warn({ id: entry.id, err: error }, "outbox reconcile check failed; entry stays unknown");
          report.unchecked.push(entry);
          continue;
        }
        if (verdict === "sent" || (typeof verdict === "object" && verdict.state === "sent")) {
          const resultId = typeof verdict === "object" ? verdict.resultId : undefined;
          outbox.markSent(entry.id, resultId);
          report.sent += 1;
        } else if (verdict === "not_sent") {
          outbox.requeue(entry.id);
          report.requeued += 1;
        } else {
          report.unknown.push(entry);
        }
      }
      reconciled = true;
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
        return row ? toEntry(row as unknown as OutboxRow) : undefined;
      });
    },
    list(states = ALL_STATES) {
      return store.read(() =>
        (
          sql("SELECT * FROM outbox WHERE state IN (SELECT value FROM json_each(?)) ORDER BY id").all(
            JSON.stringify(states),
          ) as unknown as OutboxRow[]
        ).map(toEntry),
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
