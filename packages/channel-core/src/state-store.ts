import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { type Clock, systemClock } from "./clock.ts";
import { type Logger, silentLogger } from "./logger.ts";
import { type Migration, stateMigrations } from "./migrations.ts";
import { StateErrorCode, StateStoreError, translateSqliteError } from "./state-errors.ts";
import {
  createWalCheckpointer,
  type WalCheckpointer,
  type WalCheckpointerOptions,
} from "./wal-checkpointer.ts";

/** Options of {@link openStateStore}. */
export interface StateStoreOptions {
  /** Database file (usually `<stateDir>/state.db`), or `:memory:` for a private in-memory store. */
  path: string;
  logger?: Logger;
  clock?: Clock;
  /** How long a write waits for another process's transaction before failing as locked. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * SQLite `synchronous` level (the journal is always WAL).
   * - `full` (default): every commit is fsynced before it returns, so it survives power loss too. The
   *   fsync blocks the caller's thread (node:sqlite is synchronous): for a server, the event loop.
   * - `normal`: commits are written to the WAL without an fsync (the WAL is synced at checkpoints). A
   *   killed process loses nothing; an OS crash or power cut may roll back the last commits, never
   *   corrupting the file. The gateway's choice: docs/decisions/0004-state-db-synchronous-normal.md.
   */
  synchronous?: "full" | "normal";
  /**
   * Take WAL checkpoints off this thread while writes are busy (a worker thread with its own connection;
   * see {@link createWalCheckpointer}). For a server whose event loop must not stall; default false.
   */
  backgroundCheckpoints?:
    | boolean
    | Pick<WalCheckpointerOptions, "busyCommits" | "busyWindowMs" | "intervalMs" | "restartAtFrames">;
  /** Schema steps; defaults to {@link stateMigrations}. Tests pass their own. */
  migrations?: readonly Migration[];
}

/** An open state database shared by the pairing store, history, dedupe, outbox and cursors. */
export interface StateStore {
  /** The file this store writes (or `:memory:`). */
  readonly path: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The schema version (`PRAGMA user_version`) after migrations. */
  readonly schemaVersion: number;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Runs `fn` in one write transaction (`BEGIN IMMEDIATE`, so a read-modify-write never deadlocks with
   * another process); commits when it returns, rolls back when it throws. Nested calls become
   * savepoints of the outer transaction. `fn` must be synchronous: no awaiting while holding the lock.
   */
  transaction<T>(fn: (db: DatabaseSync) => T): T;
  /** Runs `fn` (reads, or single-statement writes that are atomic on their own) with error translation. */
  read<T>(fn: (db: DatabaseSync) => T): T;
  /** A prepared statement, cached per SQL text for the life of the store. */
  statement(sql: string): StatementSync;
  /** Closes the database. Idempotent; later use throws a `STATE_DB_CLOSED` error. */
  close(): void;
}

const MEMORY_PATH = ":memory:";

/**
 * Opens (creating when missing) the state database: directory 0700, file 0600, WAL journal, busy
 * timeout, and `PRAGMA user_version` migrations. Fails with one {@link StateStoreError} naming the file
 * when it is locked, corrupt, written by a newer imgate, or unreadable.
 */
export function openStateStore(options: StateStoreOptions): StateStore {
  const { path } = options;
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const migrations = options.migrations ?? stateMigrations;
  checkMigrationList(migrations);

  if (path !== MEMORY_PATH) prepareFile(path, logger);

  const synchronous = options.synchronous === "normal" ? "NORMAL" : "FULL";
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw translateSqliteError(error, path) ?? ioError(path, error);
  }

  let schemaVersion: number;
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    const journal = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
    if (path !== MEMORY_PATH && journal.journal_mode.toLowerCase() !== "wal") {
      logger.warn({ path, journalMode: journal.journal_mode }, "state database could not switch to WAL");
    }
    db.exec(`PRAGMA synchronous = ${synchronous}`);
    db.exec("PRAGMA foreign_keys = ON");
    schemaVersion = migrate(db, path, migrations, logger);
  } catch (error) {
    db.close();
    if (error instanceof StateStoreError) throw error;
    throw translateSqliteError(error, path) ?? ioError(path, error);
  }

  const background = options.backgroundCheckpoints;
  const checkpointer: WalCheckpointer | undefined =
    background && path !== MEMORY_PATH
      ? createWalCheckpointer({
          ...(typeof background === "object" ? background : {}),
          db,
          path,
          synchronous,
          busyTimeoutMs,
          logger,
          clock,
        })
      : undefined;
  const statements = new Map<string, StatementSync>();
  let closed = false;
  let depth = 0;

  const assertOpen = () => {
    if (closed) {
      throw new StateStoreError(
        StateErrorCode.closed,
        path,
        `The state database ${path} was already closed; open it again with openStateStore() before using it.`,
      );
    }
  };
  const translate = (error: unknown): unknown => translateSqliteError(error, path) ?? error;
  const rollback = (savepoint: string | undefined) => {
    try {
      if (savepoint) {
        db.exec(`ROLLBACK TO ${savepoint}`);
        db.exec(`RELEASE ${savepoint}`);
      } else if (db.isTransaction) {
        db.exec("ROLLBACK");
      }
    } catch (rollbackError) {
      logger.error({ path, err: rollbackError }, "state database rollback failed");
    }
  };

  const store: StateStore = {
    path,
    logger,
    clock,
    schemaVersion,
    get closed() {
      return closed;
    },
    transaction(fn) {
      assertOpen();
      const savepoint = depth > 0 ? `sp${depth}` : undefined;
      try {
        db.exec(savepoint ? `SAVEPOINT ${savepoint}` : "BEGIN IMMEDIATE");
      } catch (error) {
        throw translate(error);
      }
      depth += 1;
      let result: ReturnType<typeof fn>;
      try {
        result = fn(db);
        if (result !== null && typeof (result as { then?: unknown } | undefined)?.then === "function") {
          throw new TypeError(
            "StateStore.transaction() takes a synchronous function; do the awaiting outside it.",
          );
        }
      } catch (error) {
        depth -= 1;
        rollback(savepoint);
        throw savepoint ? error : translate(error);
      }
      depth -= 1;
      try {
        db.exec(savepoint ? `RELEASE ${savepoint}` : "COMMIT");
      } catch (error) {
        rollback(savepoint);
        throw translate(error);
      }
      if (!savepoint) checkpointer?.committed();
      return result;
    },
    read(fn) {
      assertOpen();
      try {
        return fn(db);
      } catch (error) {
        throw translate(error);
      }
    },
    statement(sql) {
      assertOpen();
      let statement = statements.get(sql);
      if (!statement) {
        try {
          statement = db.prepare(sql);
        } catch (error) {
          throw translate(error);
        }
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      if (closed) return;
      closed = true;
      checkpointer?.stop();
      statements.clear();
      try {
        db.close();
      } catch (error) {
        logger.warn({ path, err: error }, "state database did not close cleanly");
      }
    },
  };
  return store;
}

function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new TypeError(
        `State migrations must be numbered 1, 2, 3, … without gaps; found version ${migration.version} at position ${index + 1}.`,
      );
    }
  });
}

function readUserVersion(db: DatabaseSync): number {
  return (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
}

function tooNewError(path: string, found: number, known: number): StateStoreError {
  return new StateStoreError(
    StateErrorCode.tooNew,
    path,
    `The state database ${path} has schema version ${found}, but this imgate only knows versions up to ${known}: ` +
      "it was written by a newer imgate. Upgrade imgate (or point IMGATE_STATE_DIR at a different directory).",
  );
}

/** Applies missing steps, each in its own IMMEDIATE transaction, re-reading the version under the lock. */
function migrate(db: DatabaseSync, path: string, migrations: readonly Migration[], logger: Logger): number {
  const latest = migrations.length;
  let current = readUserVersion(db);
  if (current > latest) throw tooNewError(path, current, latest);
  while (current < latest) {
    db.exec("BEGIN IMMEDIATE");
    try {
      // Another process (the CLI beside a running gateway) may have migrated while we waited.
      current = readUserVersion(db);
      if (current > latest) throw tooNewError(path, current, latest);
      const step = migrations[current];
      if (step) {
        step.up(db);
        db.exec(`PRAGMA user_version = ${step.version}`);
        logger.info({ path, version: step.version, migration: step.name }, "state database migrated");
        current = step.version;
      }
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }
  return current;
}

function ioError(path: string, cause: unknown): StateStoreError {
  return new StateStoreError(
    StateErrorCode.io,
    path,
    `The state database ${path} cannot be created or opened (${(cause as Error)?.message ?? String(cause)}). ` +
      "Check that its directory exists or can be created, belongs to this user and is writable.",
    { cause },
  );
}

/** Creates the directory 0700 and the file 0600, or tightens them when they are looser, and says so. */
function prepareFile(path: string, logger: Logger): void {
  const directory = dirname(path);
  try {
    const created = mkdirSync(directory, { recursive: true, mode: 0o700 });
    if (created === undefined) {
      tighten(directory, 0o700, logger, "state directory");
    } else {
      chmodSync(directory, 0o700);
    }
    let isNew = false;
    try {
      closeSync(openSync(path, "wx", 0o600));
      isNew = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (isNew) {
      chmodSync(path, 0o600);
    } else {
      tighten(path, 0o600, logger, "state database");
      for (const suffix of ["-wal", "-shm"])
        tighten(`${path}${suffix}`, 0o600, logger, "state database", true);
    }
  } catch (error) {
    throw ioError(path, error);
  }
}

function tighten(path: string, mode: number, logger: Logger, what: string, optional = false): void {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if ((current & ~mode) !== 0) {
    chmodSync(path, mode);
    logger.warn(
      { path, from: `0${current.toString(8)}`, to: `0${mode.toString(8)}` },
      `${what} permissions were too open; tightened`,
    );
  }
}
