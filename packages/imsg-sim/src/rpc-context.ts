import type { DatabaseSync } from "node:sqlite";
import { openChatDb } from "./chat-db.ts";
import { ChatDbWriter } from "./chat-db-writer.ts";
import { ChatDirectory } from "./chat-directory.ts";
import { fdaErrorText } from "./fda-error-text.ts";
import { expandHome } from "./home-path.ts";
import { MessageStore } from "./message-store.ts";
import type { OutputWriter } from "./output-writer.ts";
import { RPC_CODES, RpcError } from "./rpc-error.ts";
import type { SimOptions } from "./sim-options.ts";

/** The open database with its read and write sides. */
export interface SimDatabase {
  db: DatabaseSync;
  store: MessageStore;
  writer: ChatDbWriter;
  /** Chat lookups for watch payloads (cached forever in 0.9, §2.4). */
  watchChats: ChatDirectory;
  /** Chat lookups for everything else. */
  chats: ChatDirectory;
}

/** Listeners for writes made by this process (our own connection does not see them via `data_version`). */
export type LocalWriteListener = () => void;

/** Per-process state every RPC handler receives. */
export class RpcContext {
  readonly options: SimOptions;
  /** The `--db` path with `~` expanded. */
  readonly dbPath: string;
  readonly out: OutputWriter;
  /** Sends left to fail (`IMSG_SIM_FAIL_SENDS`). */
  failSendsLeft: number;
  readonly #localWriteListeners = new Set<LocalWriteListener>();
  readonly #cleanups: Array<() => void> = [];
  #database: SimDatabase | undefined;
  #lastError: string | undefined;

  constructor(options: SimOptions, dbPath: string, out: OutputWriter) {
    this.options = options;
    this.dbPath = expandHome(dbPath);
    this.out = out;
    this.failSendsLeft = options.faults.failSends;
  }

  /** Opens the database if possible; returns the failure text (the Full-Disk-Access banner) otherwise. */
  tryOpen(): string | undefined {
    if (this.#database) return undefined;
    if (this.options.fda) {
      this.#lastError = fdaErrorText(this.dbPath);
      return this.#lastError;
    }
    try {
      const db = openChatDb(this.dbPath, { create: this.options.createDb });
      const store = new MessageStore(db);
      this.#database = {
        db,
        store,
        writer: new ChatDbWriter(db),
        watchChats: new ChatDirectory(store, { cacheForever: this.options.compat === "0.9" }),
        chats: new ChatDirectory(store, { cacheForever: false }),
      };
      this.#lastError = undefined;
      return undefined;
    } catch {
      // imsg maps every open failure, a missing file included, to the permission banner (§1).
      this.#lastError = fdaErrorText(this.dbPath);
      return this.#lastError;
    }
  }

  /** The database, or the mode's error: -32603 with the banner (0.9) or -32002 (0.15). */
  database(): SimDatabase {
    const error = this.tryOpen();
    if (this.#database) return this.#database;
    const detail = error ?? "database unavailable";
    throw this.options.compat === "0.9"
      ? new RpcError(RPC_CODES.internalError, detail)
      : new RpcError(RPC_CODES.databaseUnavailable, detail);
  }

  /** Whether the database is open (without trying). */
  get databaseReady(): boolean {
    return this.#database !== undefined;
  }

  /** The last open failure text, if any. */
  get databaseError(): string | undefined {
    return this.#lastError;
  }

  /** Subscribes to this process's own writes. */
  onLocalWrite(listener: LocalWriteListener): () => void {
    this.#localWriteListeners.add(listener);
    return () => this.#localWriteListeners.delete(listener);
  }

  /** Tells watches that this process wrote rows. */
  localWrite(): void {
    for (const listener of this.#localWriteListeners) listener();
  }

  /** Registers work to run at shutdown (pending late-`is_from_me` corrections, …). */
  atShutdown(cleanup: () => void): void {
    this.#cleanups.push(cleanup);
  }

  /** Runs shutdown work and closes the database. */
  close(): void {
    for (const cleanup of this.#cleanups.splice(0)) {
      try {
        cleanup();
      } catch {
        // Shutdown is best effort: the process is exiting.
      }
    }
    this.#database?.db.close();
    this.#database = undefined;
  }
}
