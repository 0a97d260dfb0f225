/**
 * Deaf-stream watchdog (issue 15): imsg can stay up while its watch stops delivering — no error, no
 * `watch.overflow`, no exit (file events that stopped). Every `intervalMs` it asks imsg cheaply for the
 * first row after the last one the watch received (`messages.after`, limit 1); a row that stays
 * undelivered for `deafStreamMs` makes it resubscribe from the cursor (the catch-up delivers the missed
 * rows; dedupe keeps them answered once) and log a warning. Failed probes tell the account's health.
 */
import type { Clock, Logger } from "@imgate/channel-core";
import type { ImsgWatch } from "@imgate/imsg-rpc";

/** Options of {@link startDeafStreamWatchdog}. */
export interface DeafStreamWatchdogOptions {
  /** The account's live watch, if any. */
  watch(): ImsgWatch | undefined;
  /**
   * The ROWID of the first row imsg has after `rowid` that the watch would deliver, `undefined` when
   * none; `null` when the probe cannot run (imsg lacks `messages.after`, or is not ready).
   */
  probe(rowid: number): Promise<number | undefined | null>;
  /** How long a row may stay undelivered (ms). */
  deafStreamMs: number;
  /** How often to probe (ms). */
  intervalMs: number;
  /** The watch was found deaf and resubscribed. */
  onDeaf(): void;
  /** Probe outcomes, for the account's health (imsg not answering). */
  onProbe(result: { ok: true } | { ok: false; error: string }): void;
  logger: Logger;
  clock: Clock;
}

/** A running watchdog. */
export interface DeafStreamWatchdog {
  /** Runs one probe now (what the timer does); resolves when it is done. */
  check(): Promise<void>;
  stop(): void;
}

/** Starts probing; `deafStreamMs` 0 means off (a watchdog that does nothing). */
export function startDeafStreamWatchdog(options: DeafStreamWatchdogOptions): DeafStreamWatchdog {
  const { clock, logger } = options;
  /** The first undelivered row seen, and when. */
  let pending: { rowid: number; since: number } | undefined;
  let running: Promise<void> | undefined;

  const probeOnce = async () => {
    const watch = options.watch();
    const received = watch?.received;
    // Not subscribed (starting, resubscribing, or paused for a slow handler): nothing to judge.
    if (!watch || watch.subscription === undefined || received === undefined) {
      pending = undefined;
      return;
    }
    let first: number | undefined | null;
    try {
      first = await options.probe(received);
    } catch (error) {
      options.onProbe({ ok: false, error: error instanceof Error ? error.message : String(error) });
      return;
    }
    if (first === null) return;
    options.onProbe({ ok: true });
    const now = clock.now();
    const delivered = watch.received ?? received;
    if (first === undefined || (pending && delivered >= pending.rowid)) pending = undefined;
    if (first === undefined || first <= delivered) return;
    if (!pending) {
      pending = { rowid: first, since: now };
      return;
    }
    if (now - pending.since < options.deafStreamMs) return;
    const undeliveredMs = now - pending.since;
    pending = undefined;
    if (!watch.resubscribe()) return;
    options.onDeaf();
    logger.warn(
      { received: delivered, undelivered: first, undeliveredMs },
      "imsg watch is deaf (imsg has rows it did not deliver); resubscribed from the cursor",
    );
  };

  const check = () => {
    running ??= probeOnce()
      .catch((error: unknown) => logger.error({ err: error }, "deaf-stream watchdog failed"))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  if (options.deafStreamMs <= 0) return { check: async () => {}, stop: () => {} };
  const timer = setInterval(() => void check(), options.intervalMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
