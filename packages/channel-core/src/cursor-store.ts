import type { StateStore } from "./state-store.ts";

/**
 * The last fully handled position per `(accountId, source)` (e.g. the chat.db ROWID a watcher resumes
 * after). Commit a position only once the message's outcome is persisted; {@link CursorStore.commitWith}
 * does both in one transaction, so a crash replays the message rather than losing it.
 */
export interface CursorStore {
  /** The committed position, or `undefined` when nothing was committed yet. */
  get(accountId: string, source: string): string | undefined;
  /** Commits `position` (joins the caller's transaction when called inside one). */
  commit(accountId: string, source: string, position: string): void;
  /**
   * Runs `persistOutcome` and commits `position` in ONE transaction: both happen or neither does.
   * Returns what `persistOutcome` returned. `persistOutcome` must be synchronous.
   */
  commitWith<T>(accountId: string, source: string, position: string, persistOutcome: () => T): T;
}

/** Creates the {@link CursorStore}. */
export function createCursorStore(store: StateStore): CursorStore {
  const commit = (accountId: string, source: string, position: string) => {
    store.read(() =>
      store
        .statement(
          `INSERT INTO cursors (account_id, source, position, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (account_id, source) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
        )
        .run(accountId, source, position, store.clock.now()),
    );
  };
  return {
    get(accountId, source) {
      return store.read(
        () =>
          (
            store
              .statement("SELECT position FROM cursors WHERE account_id = ? AND source = ?")
              .get(accountId, source) as { position: string } | undefined
          )?.position,
      );
    },
    commit,
    commitWith(accountId, source, position, persistOutcome) {
      return store.transaction(() => {
        const result = persistOutcome();
        commit(accountId, source, position);
        return result;
      });
    },
  };
}
