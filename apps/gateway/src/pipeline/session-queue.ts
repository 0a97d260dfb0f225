/**
 * What a running task may do with its concurrency slot. A task that only waits (a failing agent turn
 * waiting for its next attempt) gives its slot to other sessions meanwhile; its own session stays blocked,
 * so the session's later tasks still run after it, in order.
 */
export interface SessionSlot {
  /** Releases the slot while `wait` settles, then takes one again (ahead of sessions not started yet). */
  idle<R>(wait: Promise<R>): Promise<R>;
}

/** Runs tasks one at a time per session key, in order, with up to `maxConcurrent` sessions in parallel. */
export interface SessionQueue {
  /**
   * Appends `task` to the session's FIFO. Resolves or rejects with the task's own outcome; a failing task
   * does not stop later tasks of the same session.
   */
  enqueue<T>(sessionKey: string, task: (slot: SessionSlot) => Promise<T>): Promise<T>;
  /** Tasks waiting or running. */
  pending(): number;
  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void>;
}

interface Entry {
  run: (slot: SessionSlot) => Promise<void>;
}

/** Creates a {@link SessionQueue}. */
export function createSessionQueue(options: { maxConcurrent: number }): SessionQueue {
  const maxConcurrent = Math.max(1, options.maxConcurrent);
  const queues = new Map<string, Entry[]>();
  /** Sessions with work and no running task, waiting for a slot, in arrival order. */
  const waiting: string[] = [];
  /** Sessions with a task in progress (holding a slot, or idle in `SessionSlot.idle`). */
  const running = new Set<string>();
  /** Idle tasks that want their slot back; served before new sessions. */
  const resuming: Array<() => void> = [];
  /** Slots in use. */
  let active = 0;
  let count = 0;
  let idleWaiters: Array<() => void> = [];

  const slot: SessionSlot = {
    async idle(wait) {
      active -= 1;
      pump();
      try {
        return await wait;
      } finally {
        await new Promise<void>((resolve) => {
          resuming.push(resolve);
          pump();
        });
      }
    },
  };

  const pump = () => {
    while (active < maxConcurrent) {
      const resume = resuming.shift();
      if (resume) {
        active += 1;
        resume();
        continue;
      }
      const key = waiting.shift();
      if (key === undefined) return;
      const entry = queues.get(key)?.shift();
      if (!entry) continue;
      running.add(key);
      active += 1;
      void entry.run(slot).finally(() => {
        running.delete(key);
        active -= 1;
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
          run: async (granted) => {
            try {
              resolve(await task(granted));
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
