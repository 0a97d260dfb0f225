/** Runs tasks one at a time per key, in submission order; different keys run concurrently. */

/** A per-key FIFO of async tasks. */
export interface KeyedSerialQueue {
  /** Runs `task` after every earlier task with the same key has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Number of keys with work queued or running. */
  activeKeys(): number;
}

/** Creates a {@link KeyedSerialQueue}. */
export function createKeyedSerialQueue(): KeyedSerialQueue {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, task) {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    activeKeys: () => tails.size,
  };
}
