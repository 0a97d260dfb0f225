/** Counters of what came over the wire and what the client did about it; `stats()` returns a copy. */
export interface ImsgRpcStats {
  /** Non-empty lines read from imsg's stdout (all processes). */
  linesIn: number;
  /** Lines that were not valid UTF-8 (skipped). */
  invalidUtf8: number;
  /** Lines that were not JSON, or not a JSON-RPC message object (skipped). */
  invalidJson: number;
  /** Lines longer than `maxLineBytes` (skipped without buffering them). */
  oversizedLines: number;
  /** Largest partial line any reader held in memory (bytes); stays at or below `maxLineBytes`. */
  peakBufferedLineBytes: number;
  /** Notifications or results that failed their zod schema. */
  validationErrors: number;
  /** Error responses with `id: null` (answers to lines imsg could not parse). */
  nullIdErrors: number;
  /** Times the supervisor started a replacement process after one ended. */
  restarts: number;
  /** Watch messages skipped because their rowid was at or below the acknowledged cursor. */
  duplicatesSkipped: number;
  /** Watch handlers that threw (the message is acknowledged anyway; the handler owns its retries). */
  handlerErrors: number;
  /** Valid notifications received, by method. */
  notifications: Record<string, number>;
}

/** A fresh set of zeroed counters. */
export function createStats(): ImsgRpcStats {
  return {
    linesIn: 0,
    invalidUtf8: 0,
    invalidJson: 0,
    oversizedLines: 0,
    peakBufferedLineBytes: 0,
    validationErrors: 0,
    nullIdErrors: 0,
    restarts: 0,
    duplicatesSkipped: 0,
    handlerErrors: 0,
    notifications: {},
  };
}

/** A deep copy, so callers can keep snapshots. */
export function snapshotStats(stats: ImsgRpcStats): ImsgRpcStats {
  return { ...stats, notifications: { ...stats.notifications } };
}
