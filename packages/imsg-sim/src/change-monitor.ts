import { existsSync, type FSWatcher, watch } from "node:fs";
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** A watch listening for changes. */
export interface ChangeListener {
  /** Something may have changed: schedule a poll. */
  changed(): void;
  /** True while a backlog is left (the last poll was a full batch): poll again on the next tick. */
  hasBacklog(): boolean;
}

/**
 * Tells watches that chat.db may have new rows: `fs.watch` on the db and its `-wal` file, plus a fallback poll of
 * `PRAGMA data_version` (which changes when another connection commits) every `pollMs`.
 */
export class ChangeMonitor {
  readonly #listeners = new Set<ChangeListener>();
  readonly #dbPath: string;
  readonly #pollMs: number;
  readonly #dataVersion: StatementSync;
  #lastVersion = -1;
  #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(db: DatabaseSync, dbPath: string, pollMs: number) {
    this.#dbPath = dbPath;
    this.#pollMs = pollMs;
    this.#dataVersion = db.prepare("PRAGMA data_version");
  }

  /** Adds a listener; the monitor runs while it has any. Returns the remover. */
  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#start();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  /** Fires every listener (also used for this process's own writes). */
  emit(): void {
    for (const listener of [...this.#listeners]) listener.changed();
  }

  #tick(): void {
    let changed = false;
    try {
      const row = this.#dataVersion.get() as { data_version: number };
      changed = row.data_version !== this.#lastVersion;
      this.#lastVersion = row.data_version;
    } catch {
      changed = true;
    }
    for (const listener of [...this.#listeners]) {
      if (changed || listener.hasBacklog()) listener.changed();
    }
  }

  #start(): void {
    this.#tick();
    for (const file of [this.#dbPath, `${this.#dbPath}-wal`]) {
      if (!existsSync(file)) continue;
      try {
        const watcher = watch(file, { persistent: false }, () => this.emit());
        watcher.on("error", () => watcher.close());
        this.#watchers.push(watcher);
      } catch {
        // The fallback poll still covers this file.
      }
    }
    this.#timer = setInterval(() => this.#tick(), this.#pollMs);
    this.#timer.unref();
  }

  #stop(): void {
    for (const watcher of this.#watchers.splice(0)) watcher.close();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
