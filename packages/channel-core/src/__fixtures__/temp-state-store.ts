import { join } from "node:path";
import { createManualClock, type ManualClock } from "../manual-clock.ts";
import { openStateStore, type StateStore } from "../state-store.ts";
import { makeTempDir } from "./temp-dir.ts";

/** A state store (`state.db`) in a fresh temporary directory, for one test. */
export interface TempStateStore {
  /** The temporary directory holding `state.db`. */
  readonly dir: string;
  /** The clock the store was opened with. */
  readonly clock: ManualClock;
  /** The open store (a new one after {@link TempStateStore.reopen}). */
  readonly store: StateStore;
  /** Closes the store and opens the same file again, as a restarted process would. */
  reopen(): StateStore;
  /** Closes the store and removes the directory; call from `afterEach`. */
  dispose(): void;
}

/** Opens a state store in a fresh temporary directory, with a manual clock unless one is given. */
export function openTempStateStore(clock: ManualClock = createManualClock()): TempStateStore {
  const { dir, cleanup } = makeTempDir();
  const open = () => openStateStore({ path: join(dir, "state.db"), clock });
  let store = open();
  return {
    dir,
    clock,
    get store() {
      return store;
    },
    reopen() {
      store.close();
      store = open();
      return store;
    },
    dispose() {
      store.close();
      cleanup();
    },
  };
}
