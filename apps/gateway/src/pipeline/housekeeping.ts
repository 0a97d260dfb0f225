import type { Clock, Logger } from "@imgate/channel-core";
import type { CoreServices } from "./core-services.ts";

/** How long delivered sends are kept for the outbound budgets (the longest window is 24 h). */
const SEND_LOG_KEEP_MS = 2 * 24 * 60 * 60 * 1000;

/** Default interval of {@link startHousekeeping}: hourly. */
export const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;

/** A running housekeeping timer. */
export interface Housekeeping {
  /** Runs one pass now; returns what was purged. */
  runOnce(): Promise<{ pairingRequests: number; dedupeMarks: number; sendLogRows: number }>;
  stop(): void;
}

/**
 * Purges expired pairing requests and inbound dedupe marks (channel-core `purgeExpired`) and send-log rows
 * older than the budgets look back once at start and then every `intervalMs`. A failing pass is logged and retried at the next tick.
 */
export function startHousekeeping(
  core: Pick<CoreServices, "pairing" | "dedupe" | "sendLog">,
  options: { logger: Logger; clock: Clock; intervalMs?: number },
): Housekeeping {
  const runOnce = async () => {
    const purged = { pairingRequests: 0, dedupeMarks: 0, sendLogRows: 0 };
    try {
      purged.pairingRequests = await core.pairing.purgeExpired();
      purged.dedupeMarks = await core.dedupe.purgeExpired();
      purged.sendLogRows = await core.sendLog.purge(options.clock.now() - SEND_LOG_KEEP_MS);
      if (purged.pairingRequests + purged.dedupeMarks + purged.sendLogRows > 0)
        options.logger.info(purged, "housekeeping: purged");
    } catch (error) {
      options.logger.warn({ err: error }, "housekeeping failed; retried at the next interval");
    }
    return purged;
  };
  void runOnce();
  const timer = setInterval(() => void runOnce(), options.intervalMs ?? HOUSEKEEPING_INTERVAL_MS);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
