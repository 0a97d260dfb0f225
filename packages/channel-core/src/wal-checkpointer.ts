import type { DatabaseSync } from "node:sqlite";
import { Worker } from "node:worker_threads";
import type { Clock } from "./clock.ts";
import type { Logger } from "./logger.ts";

/** Options of {@link createWalCheckpointer}. */
export interface WalCheckpointerOptions {
  /** The store's own connection: its automatic checkpoints are turned off while the thread runs. */
  db: DatabaseSync;
  path: string;
  /** The store's `synchronous` level; the thread's checkpoints sync the files exactly as the store's would. */
  synchronous: "FULL" | "NORMAL";
  busyTimeoutMs: number;
  logger: Logger;
  clock: Clock;
  /** The thread starts once this many write transactions commit within `busyWindowMs`. Default 100. */
  busyCommits?: number;
  /** Default 1000 ms. */
  busyWindowMs?: number;
  /** How often the thread copies the WAL into the database. Default 50 ms. */
  intervalMs?: number;
  /**
   * WAL length (frames) at which the thread waits for a gap in the writes and restarts the log, which
   * bounds the file under writes that never pause. Default 16384 (64 MiB of 4 KiB pages).
   */
  restartAtFrames?: number;
}

/** Takes WAL checkpoints off the caller's thread while writes are busy. */
export interface WalCheckpointer {
  /** Called after each committed write transaction. */
  committed(): void;
  /** Whether the background thread is checkpointing now. */
  readonly running: boolean;
  /** Stops the thread (it finishes the checkpoint under way and closes its connection). */
  stop(): void;
}

/** SQLite's default `wal_autocheckpoint`, restored when the thread is gone. */
const INLINE_CHECKPOINT_PAGES = 1000;

interface WorkerSettings {
  path: string;
  synchronous: string;
  busyTimeoutMs: number;
  intervalMs: number;
  restartAtFrames: number;
}

/**
 * The thread's body, run as CommonJS source (`eval`), so it needs no file of its own in source or built
 * form. It must not use anything from its enclosing module.
 */
function checkpointLoop(settings: WorkerSettings): void {
  const { parentPort } = require("node:worker_threads") as typeof import("node:worker_threads");
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes("SQLite is an experimental feature")) return;
    (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
  const { DatabaseSync } = require("node:sqlite") as typeof import("node:sqlite");
  const db = new DatabaseSync(settings.path, { timeout: settings.busyTimeoutMs });
  db.exec(`PRAGMA synchronous = ${settings.synchronous}`);
  const passive = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  const restart = db.prepare("PRAGMA wal_checkpoint(RESTART)");
  const timer = setInterval(() => {
    try {
      const { log } = passive.get() as { log: number };
      if (log >= settings.restartAtFrames) restart.get();
    } catch (error) {
      parentPort?.postMessage({ error: (error as Error)?.message ?? String(error) });
    }
  }, settings.intervalMs);
  parentPort?.once("message", () => {
    clearInterval(timer);
    db.close();
    parentPort.close();
  });
}

/**
 * node:sqlite is synchronous, so SQLite's automatic checkpoint (every ~1,000 WAL pages: copy them into the
 * database and sync both files) stalls the caller's event loop for milliseconds. Under sustained writes
 * this starts a worker thread with its own connection that checkpoints every `intervalMs` instead, and
 * turns the automatic checkpoint off. Idle stores never start it (a thread costs ~18 MiB of RSS). If the
 * thread fails, the automatic checkpoint is turned back on and the store works as before.
 */
export function createWalCheckpointer(options: WalCheckpointerOptions): WalCheckpointer {
  const { db, logger, clock } = options;
  const busyCommits = options.busyCommits ?? 100;
  const busyWindowMs = options.busyWindowMs ?? 1000;
  let windowStart = clock.now();
  let commitsInWindow = 0;
  let worker: Worker | undefined;
  let state: "idle" | "running" | "failed" | "stopped" = "idle";

  const fallBack = (reason: string, error?: unknown) => {
    if (state !== "running") return;
    state = "failed";
    worker = undefined;
    try {
      db.exec(`PRAGMA wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
    } catch {
      // The store was closed meanwhile: nothing to restore.
    }
    logger.warn(
      { path: options.path, err: error },
      `state database: background checkpoints stopped (${reason}); checkpointing inline again`,
    );
  };

  const start = () => {
    const settings: WorkerSettings = {
      path: options.path,
      synchronous: options.synchronous,
      busyTimeoutMs: options.busyTimeoutMs,
      intervalMs: options.intervalMs ?? 50,
      restartAtFrames: options.restartAtFrames ?? 16_384,
    };
    try {
      worker = new Worker(`(${checkpointLoop.toString()})(require("node:worker_threads").workerData)`, {
        eval: true,
        workerData: settings,
        stdout: false,
        stderr: false,
      });
    } catch (error) {
      // Nothing was turned off yet: the automatic checkpoint simply stays on.
      state = "failed";
      logger.warn(
        { path: options.path, err: error },
        "state database: no background checkpoint thread; checkpointing inline",
      );
      return;
    }
    state = "running";
    worker.unref();
    db.exec("PRAGMA wal_autocheckpoint = 0");
    worker.on("message", (message: { error?: string }) => {
      if (message.error)
        logger.warn({ path: options.path, error: message.error }, "background checkpoint failed");
    });
    worker.on("error", (error) => fallBack("the thread failed", error));
    worker.on("exit", (code) => {
      if (state === "running") fallBack(`the thread exited with code ${code}`);
    });
    logger.debug({ path: options.path }, "state database: checkpointing in a background thread");
  };

  return {
    committed() {
      if (state !== "idle") return;
      const now = clock.now();
      if (now - windowStart > busyWindowMs) {
        windowStart = now;
        commitsInWindow = 0;
      }
      commitsInWindow += 1;
      if (commitsInWindow >= busyCommits) start();
    },
    get running() {
      return state === "running";
    },
    stop() {
      const current = worker;
      state = "stopped";
      worker = undefined;
      current?.postMessage("stop");
    },
  };
}
