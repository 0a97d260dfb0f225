/**
 * Tracks which watch rows are still being handled so the persisted cursor only ever moves past rows
 * whose outcome is stored (DESIGN.md: "the cursor … is committed only after the message's outcome is
 * persisted"). Rows of different sessions finish out of order; the safe cursor is the highest row below
 * which every started row has finished.
 */
export interface CursorTracker {
  /** Marks `rowid` as started. Rows must be started in increasing order (the watch order). */
  start(rowid: number): void;
  /** Marks `rowid` finished; returns the new safe cursor when it moved, else undefined. */
  finish(rowid: number): number | undefined;
  /**
   * The safe cursor if `rowids` finished now (nothing changes): where a group commit of their outcomes
   * moves the persisted cursor; undefined when it would not move.
   */
  peekFinish(rowids: readonly number[]): number | undefined;
  /** The highest row up to which everything started has finished (the initial cursor before any). */
  safe(): number;
  /** Rows started but not finished. */
  inFlight(): number;
}

/** Creates a {@link CursorTracker} starting from the persisted cursor `initial`. */
export function createCursorTracker(initial: number): CursorTracker {
  const open = new Set<number>();
  let highestStarted = initial;
  let safe = initial;

  const recompute = (finishing: ReadonlySet<number> = new Set()): number => {
    let lowestOpen = Number.POSITIVE_INFINITY;
    for (const rowid of open) if (rowid < lowestOpen && !finishing.has(rowid)) lowestOpen = rowid;
    return lowestOpen === Number.POSITIVE_INFINITY ? highestStarted : Math.max(safe, lowestOpen - 1);
  };

  return {
    start(rowid) {
      if (rowid <= highestStarted && rowid <= safe) return;
      open.add(rowid);
      if (rowid > highestStarted) highestStarted = rowid;
    },
    finish(rowid) {
      if (!open.delete(rowid)) return undefined;
      const next = recompute();
      if (next === safe) return undefined;
      safe = next;
      return safe;
    },
    peekFinish(rowids) {
      const next = recompute(new Set(rowids.filter((rowid) => open.has(rowid))));
      return next === safe ? undefined : next;
    },
    safe: () => safe,
    inFlight: () => open.size,
  };
}
