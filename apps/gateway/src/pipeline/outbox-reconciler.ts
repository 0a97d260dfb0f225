import type { AsyncOutbox, Logger, OutboxEntry } from "@imgate/channel-core";
import type { ImessageDelivery } from "@imgate/imessage-channel";
import { logErrorFields } from "../logging/log-error-fields.ts";
import { giveUpUncertain, UNCERTAIN_ADVICE } from "./uncertain-delivery.ts";

/** How soon an outbox reconciliation that could not check every entry runs again. */
const RECONCILE_RETRY_MS = 1_000;

/** Options of {@link createOutboxReconciler}. */
export interface OutboxReconcilerOptions {
  outbox: Pick<AsyncOutbox, "reconcile" | "get" | "markSent" | "markFailed">;
  accountId: string;
  /** Asks imsg whether an entry went out. */
  delivery: Pick<ImessageDelivery, "reconcile">;
  /** Whether imsg is ready to be asked. */
  isReady(): boolean;
  /** Wakes the delivery worker (once reconciled, sending may start). */
  kick(): void;
  logger: Logger;
}

/**
 * Decides the outbox entries whose delivery is uncertain (`unknown`, or `sending` when the last run
 * stopped): sending starts only after every entry of the account was checked against imsg, so a reply
 * is never sent twice; one that cannot be decided is given up (never resent) with advice.
 */
export interface OutboxReconciler {
  /** Whether every entry was checked since imsg last became ready: sending may go on. */
  readonly reconciled: boolean;
  /** Checks the whole outbox (no-op when done or running); re-run on every transition of imsg to ready. */
  reconcile(): Promise<void>;
  /** Decides one entry that just ended `unknown` (the delivery worker's `settleUnknown`). */
  settleUnknown(entry: OutboxEntry): Promise<"not_sent" | "settled">;
  /** Cancels a scheduled retry (shutdown). */
  stop(): void;
}

/** Creates the {@link OutboxReconciler} of one account. */
export function createOutboxReconciler(options: OutboxReconcilerOptions): OutboxReconciler {
  const { outbox, accountId, delivery, logger } = options;
  let reconciled = false;
  let reconciling = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;

  /** Policy for an entry reconciliation cannot decide: given up (never resent), logged with the advice. */
  const giveUp = async (entry: OutboxEntry) => {
    await giveUpUncertain(outbox, entry);
    logger.error(
      { outboxId: entry.id, target: entry.target, error: entry.lastError },
      `outbox: a reply's delivery is uncertain: ${UNCERTAIN_ADVICE}`,
    );
  };

  const scheduleRetry = () => {
    if (retryTimer || stopped) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (options.isReady()) void reconcile();
    }, RECONCILE_RETRY_MS);
    retryTimer.unref();
  };

  const reconcile = async () => {
    if (reconciled || reconciling) return;
    reconciling = true;
    try {
      // Only this account's entries: on a shared store, other gateways' in-flight sends are theirs.
      const report = await outbox.reconcile((entry) => delivery.reconcile(entry), { accountId });
      for (const entry of report.unknown) if (entry.accountId === accountId) await giveUp(entry);
      if (report.unchecked.some((entry) => entry.accountId === accountId)) {
        scheduleRetry();
        return;
      }
      reconciled = true;
      options.kick();
    } catch (error) {
      logger.error(
        logErrorFields(error),
        "outbox: reconciliation failed; will retry when imsg is ready again",
      );
      scheduleRetry();
    } finally {
      reconciling = false;
    }
  };

  /**
   * Decides an entry that just ended `unknown`, at once, so its chat does not wait behind it. When imsg
   * cannot be asked (typically it was the process that just died), the entry stays `unknown` and sending
   * pauses until a full reconciliation can check it: giving up there would drop a reply that never went out.
   */
  const settleUnknown = async (entry: OutboxEntry): Promise<"not_sent" | "settled"> => {
    const current = (await outbox.get(entry.id)) ?? entry;
    let verdict: Awaited<ReturnType<typeof delivery.reconcile>>;
    try {
      verdict = await delivery.reconcile(current);
    } catch (error) {
      logger.warn(
        { err: error, outboxId: entry.id },
        "outbox: cannot check an uncertain send yet; will retry",
      );
      reconciled = false;
      scheduleRetry();
      return "settled";
    }
    if (verdict === "not_sent") return "not_sent";
    if (typeof verdict === "object") await outbox.markSent(entry.id, verdict.resultId);
    else await giveUp(current);
    return "settled";
  };

  return {
    get reconciled() {
      return reconciled;
    },
    reconcile,
    settleUnknown,
    stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
    },
  };
}
