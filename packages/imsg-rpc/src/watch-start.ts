/**
 * Why a watch (re)subscribes from where it does: a first run starts at the database tail, a resume starts
 * after the consumer's cursor, and a cursor above the database's tail means chat.db was replaced (a
 * restored backup, a new Mac: ROWIDs start again far below it), so the watch moves to the new tail instead
 * of waiting, deaf, for ROWIDs the new database will not reach for a long time.
 */
export type WatchStartReason = "first-run" | "resume" | "database-replaced";

/** Where a watch starts, handed to {@link WatchStartListener} before it subscribes. */
export interface WatchStart {
  readonly reason: WatchStartReason;
  /** Exclusive ROWID the watch delivers after (persist it on a first run or a replaced database). */
  readonly since: number;
  /**
   * The database's tail when the watch started (exact with `messages.after`, a lower bound on 0.9). Rows
   * at or below it are delivered as replayed backlog, rows above it as live.
   */
  readonly tail: number;
  /** The cursor the watch had before (undefined on a first run). */
  readonly previousCursor: number | undefined;
}

/**
 * Called synchronously each time a watch has found its start point, before it subscribes: the place to
 * persist the starting cursor, so a quiet first run still replays what arrives while the consumer is down.
 * A throw is logged; the watch subscribes anyway.
 */
export type WatchStartListener = (start: WatchStart) => void;

/** Decides the start of a watch from its cursor (undefined on a first run) and the database's tail. */
export function planWatchStart(cursor: number | undefined, tail: number): WatchStart {
  if (cursor === undefined) return { reason: "first-run", since: tail, tail, previousCursor: undefined };
  if (tail < cursor) return { reason: "database-replaced", since: tail, tail, previousCursor: cursor };
  return { reason: "resume", since: cursor, tail, previousCursor: cursor };
}
