import type { Clock, Logger, Outbox, OutboxEntry } from "@imgate/channel-core";
import type { DeliveryOutcome } from "@imgate/imessage-channel";

/** Options of {@link createDeliveryWorker}. */
export interface DeliveryWorkerOptions {
  outbox: Outbox;
  accountId: string;
  deliver(entry: OutboxEntry): Promise<DeliveryOutcome>;
  /** Whether sending is possible now (the account's imsg is ready). */
  canSend(): boolean;
  /**
   * Whether the whole account must wait (a pause, a daily cap, pacing), checked before every claim:
   * nothing is claimed then, and the worker wakes itself at `until` (a pause waits for a kick).
   */
  accountHold?(): { until: number | undefined } | undefined;
  /**
   * Checks a claimed entry before it is sent: a hold puts it back in the queue (`outbox.hold`, no attempt
   * counted) until `until`; its chat's later entries wait behind it, other chats go on.
   */
  admit?(entry: OutboxEntry): Promise<{ reason: string; until: number } | undefined>;
  /** A delivered entry, just before its `sent` mark (inside the same transaction when `atomically` is given). */
  recordSent?(entry: OutboxEntry): void;
  onSent(entry: OutboxEntry): void;
  onError(entry: OutboxEntry, message: string): void;
  /** Called after an entry was skipped (marked `failed` with {@link SKIPPED_PREFIX}, never retried). */
  onSkipped?(entry: OutboxEntry): void;
  /**
   * Called after an entry was marked `unknown`: decides it now (marks it sent, or gives it up) and
   * returns `not_sent` when it certainly did not go out (then it is retried like a retryable failure).
   */
  settleUnknown?(entry: OutboxEntry): Promise<"not_sent" | "settled">;
  /**
   * Runs `fn` in one state-store transaction (`store.transaction`). Given, a delivered entry's `sent`
   * mark and the claim of the next entry are one commit instead of two.
   */
  atomically?<T>(fn: () => T): T;
  logger: Logger;
  clock: Clock;
}

/** Drains an account's outbox in order, one entry at a time. */
export interface DeliveryWorker {
  /** Starts draining (no-op while a drain runs; it picks new entries up). */
  kick(): void;
  /**
   * Call inside the open transaction that enqueued entries: when the worker is idle and can send, it
   * claims the next entry there (moving it to `sending` in the same commit as its insert), and the next
   * {@link DeliveryWorker.kick} sends it. The entry is durable before its send is written either way;
   * this only saves the claim's own commit. Returns the entry claimed by this call; if that transaction
   * rolls back, pass it to {@link DeliveryWorker.forgetClaim} before anything else.
   */
  claimWithin(): OutboxEntry | undefined;
  /** Forgets `entry`, claimed by {@link DeliveryWorker.claimWithin} in a transaction that rolled back. */
  forgetClaim(entry: OutboxEntry): void;
  /** Stops picking entries and waits for the one being sent. */
  stop(): Promise<void>;
}

const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000];

/** Prefix of `lastError` for entries not sent on purpose (what they need is not offered by imsg). */
export const SKIPPED_PREFIX = "skipped: ";

/**
 * The outbox → delivery loop of one account: claims the next due entry (per-chat order is the outbox's),
 * delivers it, and records `sent`, `failed` (retried later when the channel says it did not go out) or
 * `unknown` (never resent on its own).
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { outbox, logger } = options;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAt: number | undefined;
  /** Claimed in a caller's or the previous step's transaction; sent next. */
  let claimed: OutboxEntry | undefined;
  const filter = { channel: "imessage", accountId: options.accountId };

  /** Claims the next entry inside the caller's open transaction; a failed claim is left to the loop. */
  const claimInTransaction = (): OutboxEntry | undefined => {
    if (stopped || !options.canSend() || options.accountHold?.()) return undefined;
    try {
      return outbox.claimNext(filter);
    } catch (error) {
      logger.error({ err: error }, "outbox: cannot claim the next entry");
      return undefined;
    }
  };

  /** `sent`, and the next claim in the same commit when the worker has a transaction to use. */
  const markSentAndClaimNext = (entry: OutboxEntry, resultId: string | undefined) => {
    if (!options.atomically) {
      options.recordSent?.(entry);
      outbox.markSent(entry.id, resultId);
      return;
    }
    claimed = options.atomically(() => {
      options.recordSent?.(entry);
      outbox.markSent(entry.id, resultId);
      return claimInTransaction();
    });
  };

  /** Wakes the worker at `at`, or earlier when an earlier wake-up is already due. */
  const scheduleRetry = (at: number) => {
    if (stopped) return;
    if (retryTimer && retryAt !== undefined && retryAt <= at) return;
    const wait = Math.max(0, at - options.clock.now());
    if (retryTimer) clearTimeout(retryTimer);
    retryAt = at;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      retryAt = undefined;
      kick();
    }, wait);
    retryTimer.unref();
  };

  /** A failed entry goes back to the queue after a growing delay, a few times; then it stays failed. */
  const failOrRetry = (entry: OutboxEntry, message: string, retryable: boolean) => {
    const delay = RETRY_DELAYS_MS[entry.attempts - 1];
    if (retryable && delay !== undefined) {
      const retryAt = options.clock.now() + delay;
      outbox.markFailed(entry.id, message, { retryAt });
      scheduleRetry(retryAt);
    } else {
      outbox.markFailed(entry.id, message);
    }
  };

  const drain = async () => {
    for (;;) {
      if (stopped || !options.canSend()) return;
      const hold = options.accountHold?.();
      if (hold) {
        if (hold.until !== undefined) scheduleRetry(hold.until);
        return;
      }
      let entry: OutboxEntry | undefined = claimed;
      claimed = undefined;
      try {
        entry ??= outbox.claimNext(filter);
      } catch (error) {
        logger.error({ err: error }, "outbox: cannot claim the next entry");
        return;
      }
      if (!entry) {
        if (again) {
          again = false;
          continue;
        }
        return;
      }
      let held: { reason: string; until: number } | undefined;
      try {
        held = await options.admit?.(entry);
        if (held) outbox.hold(entry.id, held.reason, held.until);
      } catch (error) {
        logger.error({ err: error, outboxId: entry.id }, "outbox: cannot hold an entry over a limit");
        return;
      }
      if (held) {
        scheduleRetry(held.until);
        continue;
      }
      const outcome = await options.deliver(entry);
      try {
        if (outcome.state === "sent") {
          markSentAndClaimNext(entry, outcome.resultId);
          options.onSent(entry);
        } else if (outcome.state === "skipped") {
          // Not an error: imsg cannot do it (e.g. a tapback without the bridge); delivery logged it once.
          outbox.markFailed(entry.id, `${SKIPPED_PREFIX}${outcome.reason}`);
          options.onSkipped?.(entry);
        } else if (outcome.state === "failed") {
          options.onError(entry, outcome.error.message);
          failOrRetry(entry, outcome.error.message, outcome.retryable);
        } else {
          options.onError(entry, outcome.error.message);
          outbox.markUnknown(entry.id, outcome.error.message);
          if ((await options.settleUnknown?.(entry)) === "not_sent") {
            // The entry is `unknown` now, and the outbox only moves unknown → queued through requeue()
            // (markFailed with a retry needs `sending`); without a retry left it becomes failed.
            if (RETRY_DELAYS_MS[entry.attempts - 1] === undefined)
              outbox.markFailed(entry.id, outcome.error.message);
            else outbox.requeue(entry.id);
          }
        }
      } catch (error) {
        logger.error({ err: error, outboxId: entry.id }, "outbox: cannot record a delivery outcome");
      }
    }
  };

  function kick() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => logger.error({ err: error }, "delivery loop failed"))
      .finally(() => {
        running = undefined;
        // A kick that came in while the loop was finishing (e.g. reconciliation done just after a drain
        // that found it could not send yet) must not be lost: nothing else may kick again.
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    kick,
    claimWithin() {
      if (running || claimed) return undefined;
      claimed = claimInTransaction();
      return claimed;
    },
    forgetClaim(entry) {
      if (claimed === entry) claimed = undefined;
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      await running;
      // A claim that will not be sent now goes back to the queue (not left `sending` for the next start's
      // reconciliation to puzzle over).
      const left = claimed;
      claimed = undefined;
      if (left) {
        try {
          outbox.markFailed(left.id, "not sent: the gateway stopped", { retryAt: options.clock.now() });
        } catch (error) {
          logger.warn({ err: error, outboxId: left.id }, "outbox: could not requeue an unsent claim");
        }
      }
    },
  };
}
