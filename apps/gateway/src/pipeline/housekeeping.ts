import type { Logger } from "@imgate/channel-core";
import type { CoreServices } from "./core-services.ts";

/** Default interval of {@link startHousekeeping}: hourly. */
export const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;

/** A running housekeeping timer. */
export interface Housekeeping {
  /** Runs one pass now; returns what was purged. */
  runOnce(): { pairingRequests: number; dedupeMarks: number };
  stop(): void;
}

/**
 * Purges expired pairing requests and inbound dedupe marks (channel-core `purgeExpired`) once at start
 * and then every `intervalMs`. A failing pass is logged and retried at the next tick.
 */
export function startHousekeeping(
  core: Pick<CoreServices, "pairing" | "dedupe">,
  options: { logger: Logger; intervalMs?: number },
): Housekeeping {
  const runOnce = () => {
    const purged = { pairingRequests: 0, dedupeMarks: 0 };
    try {
      purged.pairingRequests = core.pairing.purgeExpired();
      purged.dedupeMarks = core.dedupe.purgeExpired();
      if (purged.pairingRequests + purged.dedupeMarks > 0)
        options.logger.info(purged, "housekeeping: purged");
    } catch (error) {
      options.logger.warn({ err: error }, "housekeeping failed; retried at the next interval");
    }
    return purged;
  };
  runOnce();
  const timer = setInterval(runOnce, options.intervalMs ?? HOUSEKEEPING_INTERVAL_MS);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
