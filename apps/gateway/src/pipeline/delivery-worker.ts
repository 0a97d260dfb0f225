import type { AsyncOutbox, Clock, Logger, OutboxEntry } from "@imgate/channel-core";
import type { DeliveryOutcome } from "@imgate/imessage-channel";

/** Options of {@link createDeliveryWorker}. */
export interface DeliveryWorkerOptions {
  outbox: AsyncOutbox;
  accountId: string;
  deliver(entry: OutboxEntry): Promise<DeliveryOutcome>;
  /** Whether sending is possible now (the account's imsg is ready). */
  canSend(): boolean;
  /**
   * Whether the whole account must wait (a pause, a daily cap, pacing), checked before every claim:
   * nothing is claimed then, and the worker wakes itself at `until` (a pause waits for a kick).
   */
  accountHold?(): Promise<{ until: number | undefined } | undefined>;
  /**
   * Checks a claimed entry before it is sent: a hold puts it back in the queue (`outbox.hold`, no attempt
   * counted) until `until`; its chat's later entries wait behind it, other chats go on.
   */
  admit?(entry: OutboxEntry): Promise<{ reason: string; until: number } | undefined>;
  /**
   * A delivered entry, just before its `sent` mark (a crash between the two leaves the entry `sending`:
   * reconciliation finds it sent, and the budget has counted it — the safe side).
   */
  recordSent?(entry: OutboxEntry): Promise<void>;
  onSent(entry: OutboxEntry): void;
  onError(entry: OutboxEntry, message: string): void;
  /** Called after an entry was skipped (marked `failed` with {@link SKIPPED_PREFIX}, never retried). */
  onSkipped?(entry: OutboxEntry): void;
  /**
   * Called after an entry was marked `unknown`: decides it now (marks it sent, or gives it up) and
   * returns `not_sent` when it certainly did not go out (then it is retried like a retryable failure).
   */
  settleUnknown?(entry: OutboxEntry): Promise<"not_sent" | "settled">;
  logger: Logger;
  clock: Clock;
}

/** Drains an account's outbox in order, one entry at a time. */
export interface DeliveryWorker {
  /** Starts draining (no-op while a drain runs; it picks new entries up). */
  kick(): void;
  /**
   * Asked before a group commit that may enqueue entries: when the worker is idle and can send, it says
   * yes and waits (a kick meanwhile starts no drain) until {@link DeliveryWorker.adoptClaim} hands it what
   * the commit claimed (`claimNext`: moved to `sending` in the same commit as its insert); the next kick
   * sends it. This only saves the claim's own commit.
   */
  claimInBatch(): Promise<boolean>;
  /**
   * Ends what {@link DeliveryWorker.claimInBatch} began: `entry` is the commit's claim (undefined when
   * nothing was due or the commit failed). Call it exactly once after every `true`.
   */
  adoptClaim(entry: OutboxEntry | undefined): void;
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
  /** Claimed in a group commit; sent next. */
  let claimed: OutboxEntry | undefined;
  /** A group commit is claiming for the worker: no drain starts until it hands its claim over. */
  let reserved = false;
  const filter = { channel: "imessage", accountId: options.accountId };

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
  const failOrRetry = async (entry: OutboxEntry, message: string, retryable: boolean) => {
    const delay = RETRY_DELAYS_MS[entry.attempts - 1];
    if (retryable && delay !== undefined) {
      const retryAt = options.clock.now() + delay;
      await outbox.markFailed(entry.id, message, { retryAt });
      scheduleRetry(retryAt);
    } else {
      await outbox.markFailed(entry.id, message);
    }
  };

  const drain = async () => {
    for (;;) {
      if (stopped || !options.canSend()) return;
      let hold: { until: number | undefined } | undefined;
      try {
        hold = await options.accountHold?.();
      } catch (error) {
        logger.error({ err: error }, "outbox: cannot check the account's send limits");
        return;
      }
      if (hold) {
        if (hold.until !== undefined) scheduleRetry(hold.until);
        return;
      }
      let entry: OutboxEntry | undefined = claimed;
      claimed = undefined;
      try {
        entry ??= await outbox.claimNext(filter);
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
        if (held) await outbox.hold(entry.id, held.reason, held.until);
      } catch (error) {
        logger.error({ err: error, outboxId: entry.id }, "outbox: cannot hold an entry over a limit");
        return;
      }
      if (held) {
        scheduleRetry(held.until);
        continue;
      }
      if (stopped || !options.canSend()) {
        // Sending became impossible while the entry was checked (imsg down, the lease lost): it stays claimed
        // here; the next drain sends it, or stop() puts it back in the queue.
        claimed = entry;
        return;
      }
      const outcome = await options.deliver(entry);
      try {
        if (outcome.state === "sent") {
          await options.recordSent?.(entry);
          await outbox.markSent(entry.id, outcome.resultId);
          options.onSent(entry);
        } else if (outcome.state === "skipped") {
          // Not an error: imsg cannot do it (e.g. a tapback without the bridge); delivery logged it once.
          await outbox.markFailed(entry.id, `${SKIPPED_PREFIX}${outcome.reason}`);
          options.onSkipped?.(entry);
        } else if (outcome.state === "failed") {
          options.onError(entry, outcome.error.message);
          await failOrRetry(entry, outcome.error.message, outcome.retryable);
        } else {
          options.onError(entry, outcome.error.message);
          await outbox.markUnknown(entry.id, outcome.error.message);
          if ((await options.settleUnknown?.(entry)) === "not_sent") {
            // The entry is `unknown` now, and the outbox only moves unknown → queued through requeue()
            // (markFailed with a retry needs `sending`); without a retry left it becomes failed.
            if (RETRY_DELAYS_MS[entry.attempts - 1] === undefined)
              await outbox.markFailed(entry.id, outcome.error.message);
            else await outbox.requeue(entry.id);
          }
        }
      } catch (error) {
        logger.error({ err: error, outboxId: entry.id }, "outbox: cannot record a delivery outcome");
      }
    }
  };

  function kick() {
    if (stopped) return;
    if (running || reserved) {
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
    async claimInBatch() {
      if (running || claimed || reserved || stopped || !options.canSend()) return false;
      reserved = true;
      try {
        if (!(await options.accountHold?.())) return true;
      } catch (error) {
        logger.error({ err: error }, "outbox: cannot check the account's send limits");
      }
      reserved = false;
      return false;
    },
    adoptClaim(entry) {
      reserved = false;
      if (entry && stopped) {
        // Claimed while the worker stopped: back to the queue, as stop() does with its own claim.
        outbox
          .markFailed(entry.id, "not sent: the gateway stopped", { retryAt: options.clock.now() })
          .catch((error: unknown) =>
            logger.warn({ err: error, outboxId: entry.id }, "outbox: could not requeue an unsent claim"),
          );
        return;
      }
      if (entry) claimed = entry;
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
          await outbox.markFailed(left.id, "not sent: the gateway stopped", {
            retryAt: options.clock.now(),
          });
        } catch (error) {
          logger.warn({ err: error, outboxId: left.id }, "outbox: could not requeue an unsent claim");
        }
      }
    },
  };
}
