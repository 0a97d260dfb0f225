/** Runs tasks one at a time per session key, in order, with up to `maxConcurrent` sessions in parallel. */
export interface SessionQueue {
  /**
   * Appends `task` to the session's FIFO. Resolves or rejects with the task's own outcome; a failing task
   * does not stop later tasks of the same session.
   */
  enqueue<T>(sessionKey: string, task: () => Promise<T>): Promise<T>;
  /** Tasks waiting or running. */
  pending(): number;
  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void>;
}

interface Entry {
  run: () => Promise<void>;
}

/** Creates a {@link SessionQueue}. */
export function createSessionQueue(options: { maxConcurrent: number }): SessionQueue {
  const maxConcurrent = Math.max(1, options.maxConcurrent);
  const queues = new Map<string, Entry[]>();
  /** Sessions with work and no running task, waiting for a slot, in arrival order. */
  const waiting: string[] = [];
  const running = new Set<string>();
  let count = 0;
  let idleWaiters: Array<() => void> = [];

  const pump = () => {
    while (running.size < maxConcurrent && waiting.length > 0) {
      const key = waiting.shift()!;
      const queue = queues.get(key);
      const entry = queue?.shift();
      if (!entry) continue;
      running.add(key);
      void entry.run().finally(() => {
        running.delete(key);
        count -= 1;
        const rest = queues.get(key);
        if (rest && rest.length > 0) waiting.push(key);
        else queues.delete(key);
        pump();
        if (count === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
    }
  };

  return {
    enqueue(sessionKey, task) {
      return new Promise((resolve, reject) => {
        const entry: Entry = {
          run: async () => {
            try {
              resolve(await task());
            } catch (error) {
              reject(error);
            }
          },
        };
        count += 1;
        const queue = queues.get(sessionKey);
        if (queue) {
          queue.push(entry);
          // Already running or already waiting: it will be picked up in order.
          if (!running.has(sessionKey) && !waiting.includes(sessionKey)) waiting.push(sessionKey);
        } else {
          queues.set(sessionKey, [entry]);
          if (!running.has(sessionKey)) waiting.push(sessionKey);
        }
        pump();
      });
    },
    pending: () => count,
    idle: () => (count === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve))),
  };
}
