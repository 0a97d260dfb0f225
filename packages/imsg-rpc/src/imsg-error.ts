import type { ExitInfo } from "./transport.ts";

/** JSON-RPC error codes imsg answers with (protocol §2.2, §2.9, §9). */
export const ImsgRpcCodes = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** 0.14+: more than 128 outstanding requests, more than 64 subscriptions, or shutting down. */
  serverBusy: -32000,
  /** 0.14+: the send may have completed; do not retry blindly. */
  deliveryOutcomeUnknown: -32001,
  /** 0.14+: chat.db unreadable (missing path or no Full Disk Access); retryable. */
  databaseUnavailable: -32002,
  /** 0.14+: the IMCore bridge is not running. */
  bridgeNotRunning: -32003,
  /** 0.14+: an earlier mutation is stuck; restart the child. */
  mutationLanePoisoned: -32004,
} as const;

/** Stable codes of the {@link ImsgError} family. */
export type ImsgErrorCode =
  | "IMSG_SPAWN_FAILED"
  | "IMSG_EXITED"
  | "IMSG_TIMEOUT"
  | "IMSG_ABORTED"
  | "IMSG_STOPPED"
  | "IMSG_RESPONSE_ERROR"
  | "IMSG_FULL_DISK_ACCESS"
  | "IMSG_INVALID_PARAMS"
  | "IMSG_INVALID_RESULT"
  | "IMSG_UNSUPPORTED_METHOD";

/** Base class of every error imsg-rpc throws. `code` is stable; `message` says what to do. */
export class ImsgError extends Error {
  readonly code: ImsgErrorCode;
  constructor(code: ImsgErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The transport could not start a peer (binary missing, not executable, SSH refused…). */
export class ImsgSpawnError extends ImsgError {
  constructor(describe: string, cause: unknown) {
    super(
      "IMSG_SPAWN_FAILED",
      `Could not start ${describe}: ${errorText(cause)}. Check that cliPath points to an executable imsg.`,
      { cause },
    );
  }
}

/** The peer went away while a request was pending (or before it could be written). */
export class ImsgExitedError extends ImsgError {
  readonly exit: ExitInfo | undefined;
  constructor(describe: string, exit: ExitInfo | undefined, cause?: unknown) {
    const how =
      exit === undefined
        ? "closed its pipes"
        : exit.signal
          ? `was killed by ${exit.signal}`
          : `exited with code ${exit.code}`;
    super(
      "IMSG_EXITED",
      `${describe} ${how} before answering; the request was not completed. It is restarted automatically; retry the call.`,
      { cause },
    );
    this.exit = exit;
  }
}

/** No answer within the request's timeout. */
export class ImsgTimeoutError extends ImsgError {
  readonly method: string;
  readonly timeoutMs: number;
  constructor(method: string, timeoutMs: number) {
    super(
      "IMSG_TIMEOUT",
      `imsg did not answer ${method} within ${timeoutMs} ms. Check that imsg is responsive (imsg status) or raise the timeout.`,
    );
    this.method = method;
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired. */
export class ImsgAbortedError extends ImsgError {
  constructor(method: string, cause?: unknown) {
    super("IMSG_ABORTED", `${method} was aborted by the caller.`, { cause });
  }
}

/** The client is stopped (or failed for good) and takes no more requests. */
export class ImsgStoppedError extends ImsgError {
  constructor(detail: string, cause?: unknown) {
    super("IMSG_STOPPED", `The imsg client is ${detail}; create or start a new one.`, { cause });
  }
}

/** imsg answered with a JSON-RPC error. */
export class ImsgResponseError extends ImsgError {
  readonly method: string;
  /** The JSON-RPC `error.code` (see {@link ImsgRpcCodes}). */
  readonly rpcCode: number;
  readonly rpcMessage: string;
  /** `error.data`: a string in 0.9, sometimes an object in 0.14+ (`{retry_safe, disposition, …}`). */
  readonly data: unknown;
  constructor(method: string, rpcCode: number, rpcMessage: string, data: unknown) {
    const detail = typeof data === "string" ? data : data === undefined ? "" : JSON.stringify(data);
    super(
      "IMSG_RESPONSE_ERROR",
      `imsg rejected ${method}: ${rpcMessage} (code ${rpcCode})${detail ? `: ${detail}` : ""}.`,
    );
    this.method = method;
    this.rpcCode = rpcCode;
    this.rpcMessage = rpcMessage;
    this.data = data;
  }
}

/** imsg cannot read chat.db: the binary (or the app that launches it) lacks Full Disk Access. */
export class ImsgFullDiskAccessError extends ImsgError {
  /** The binary that needs Full Disk Access. */
  readonly binary: string;
  constructor(binary: string, cause: unknown) {
    super(
      "IMSG_FULL_DISK_ACCESS",
      `${binary} cannot read the Messages database (chat.db): grant Full Disk Access to ${binary} and to the app that starts it (Terminal, your launcher or sshd) in System Settings → Privacy & Security → Full Disk Access, then restart.`,
      { cause },
    );
    this.binary = binary;
  }
}

/** The caller passed params that the detected imsg version would reject; nothing was sent. */
export class ImsgInvalidParamsError extends ImsgError {
  constructor(method: string, detail: string, cause?: unknown) {
    super("IMSG_INVALID_PARAMS", `Invalid params for ${method}: ${detail}. Fix the call; nothing was sent.`, {
      cause,
    });
  }
}

/** imsg answered with a result that does not match the protocol schema. */
export class ImsgInvalidResultError extends ImsgError {
  constructor(method: string, detail: string, cause?: unknown) {
    super(
      "IMSG_INVALID_RESULT",
      `imsg answered ${method} with an unexpected result (${detail}). Check the imsg version (imsg --version).`,
      { cause },
    );
  }
}

/** The detected imsg version does not offer the method. */
export class ImsgUnsupportedMethodError extends ImsgError {
  readonly method: string;
  constructor(method: string, version: string) {
    super(
      "IMSG_UNSUPPORTED_METHOD",
      `imsg ${version} does not support ${method}; upgrade imsg or check client.capabilities before calling.`,
    );
    this.method = method;
  }
}

function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
