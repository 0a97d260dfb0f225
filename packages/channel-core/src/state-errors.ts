import { CodedError } from "./coded-error.ts";
/**
 * Errors raised by the state store and the records kept in it (pairing, outbox, …). Each has a stable
 * `code` for programs, the underlying `cause`, and a message that tells a person what to do.
 */

/** Stable codes of {@link StateError}. */
export const StateErrorCode = {
  /** Another process held the database longer than the busy timeout. */
  locked: "STATE_DB_LOCKED",
  /** The file is not an SQLite database, or it is damaged. */
  corrupt: "STATE_DB_CORRUPT",
  /** The database was written by a newer imgate (its `user_version` is above what this build knows). */
  tooNew: "STATE_DB_TOO_NEW",
  /** The file or its directory could not be created, opened or read. */
  io: "STATE_DB_IO",
  /** The store was used after `close()`. */
  closed: "STATE_DB_CLOSED",
  /** No pending pairing request has this code. */
  pairingNotFound: "PAIRING_CODE_NOT_FOUND",
  /** Too many wrong pairing codes were tried recently; attempts are refused for a while. */
  pairingRateLimited: "PAIRING_RATE_LIMITED",
  /** No unique pairing code could be drawn (should never happen with a sane pending cap). */
  pairingCodeExhausted: "PAIRING_CODE_EXHAUSTED",
  /** An outbox entry does not exist or is not in a state that allows the requested transition. */
  outboxState: "OUTBOX_INVALID_STATE",
  /** The outbox was asked to hand out entries before `reconcile()` ran in this process. */
  outboxNotReconciled: "OUTBOX_NOT_RECONCILED",
} as const;

/** One of the {@link StateErrorCode} values. */
export type StateErrorCode = (typeof StateErrorCode)[keyof typeof StateErrorCode];

/** Base class of every error channel-core's persistence half throws. */
export class StateError extends CodedError<StateErrorCode> {}

/** The state database cannot be used: locked, corrupt, too new, unreadable or closed. */
export class StateStoreError extends StateError {
  /** Path of the database file concerned. */
  readonly path: string;

  constructor(code: StateErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "StateStoreError";
    this.path = path;
  }
}

/** A pairing approval or rejection was refused. */
export class PairingError extends StateError {
  constructor(code: StateErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "PairingError";
  }
}

/** An outbox operation was refused. */
export class OutboxError extends StateError {
  constructor(code: StateErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "OutboxError";
  }
}

/** SQLite primary result codes we translate (`errcode & 0xff`). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;
const SQLITE_CANTOPEN = 14;
const SQLITE_IOERR = 10;
const SQLITE_READONLY = 8;
const SQLITE_PERM = 3;

/**
 * Turns an error thrown by `node:sqlite` into a {@link StateStoreError} when it is one of the
 * conditions a person must act on (locked, corrupt, unreadable); returns `undefined` otherwise.
 */
export function translateSqliteError(error: unknown, path: string): StateStoreError | undefined {
  if (error instanceof StateError) return undefined;
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof errcode !== "number") return undefined;
  switch (errcode & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new StateStoreError(
        StateErrorCode.locked,
        path,
        `The state database ${path} is locked by another process for longer than the busy timeout. ` +
          "Wait for the other imgate command to finish, or stop the process holding it, and try again.",
        { cause: error },
      );
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return new StateStoreError(
        StateErrorCode.corrupt,
        path,
        `The state database ${path} is not a valid SQLite database or is damaged. ` +
          "Stop imgate, move the file (and any -wal/-shm files beside it) aside, and start again to create a " +
          "fresh one; pairings, history and the outbox will start empty.",
        { cause: error },
      );
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return new StateStoreError(
        StateErrorCode.io,
        path,
        `The state database ${path} cannot be opened or written. ` +
          "Check that the file and its directory exist, belong to this user and are writable, and that the disk is not full.",
        { cause: error },
      );
    default:
      return undefined;
  }
}
