import type { ManualClock } from "@imgate/channel-core/testing";
import type { Timers } from "@imgate/imsg-rpc";

/** {@link Timers} that fire only when a test moves its {@link ManualClock} with {@link ManualTimers.advance}. */
export interface ManualTimers extends Timers {
  /** Moves the clock forward by `ms`, firing every timer that falls due on the way, earliest first. */
  advance(ms: number): void;
  /** How many timers are waiting. */
  pending(): number;
}

/** Creates {@link ManualTimers} on `clock` (timers are due at `clock.now() + ms` when set). */
export function createManualTimers(clock: ManualClock): ManualTimers {
  let nextId = 0;
  const waiting = new Map<number, { due: number; callback: () => void }>();
  return {
    setTimeout(callback, ms) {
      nextId += 1;
      waiting.set(nextId, { due: clock.now() + Math.max(0, ms), callback });
      return nextId;
    },
    clearTimeout(handle) {
      waiting.delete(handle as number);
    },
    advance(ms) {
      const end = clock.now() + ms;
      for (;;) {
        let id: number | undefined;
        let earliest: { due: number; callback: () => void } | undefined;
        for (const [key, timer] of waiting) {
          if (timer.due <= end && (earliest === undefined || timer.due < earliest.due)) {
            id = key;
            earliest = timer;
          }
        }
        if (id === undefined || earliest === undefined) break;
        waiting.delete(id);
        if (earliest.due > clock.now()) clock.set(earliest.due);
        earliest.callback();
      }
      clock.set(end);
    },
    pending: () => waiting.size,
  };
}
