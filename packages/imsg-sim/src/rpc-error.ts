/** JSON-RPC error codes imsg uses (§2.2, §2.9, §9). */
export const RPC_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  serverBusy: -32000,
  outcomeUnknown: -32001,
  databaseUnavailable: -32002,
  bridgeNotRunning: -32003,
  laneBlocked: -32004,
} as const;

/** One of {@link RPC_CODES}. */
export type RpcCode = (typeof RPC_CODES)[keyof typeof RPC_CODES];

const MESSAGES: Record<RpcCode, string> = {
  [-32700]: "Parse error",
  [-32600]: "Invalid Request",
  [-32601]: "Method not found",
  [-32602]: "Invalid params",
  [-32603]: "Internal error",
  [-32000]: "Server busy",
  [-32001]: "Delivery outcome unknown",
  [-32002]: "Database unavailable",
  [-32003]: "Bridge not running",
  [-32004]: "Mutation lane blocked",
};

/** `data` of -32001/-32004 in 0.14+ (§9). */
export interface DeliveryErrorData {
  retry_safe: boolean;
  disposition: "not_started" | "may_have_completed" | "still_in_flight";
  transport: string;
  operation: string;
  detail: string;
}

/** A JSON-RPC error as imsg writes it: `{code, message, data}` (data a string, or an object for -32001/-32004). */
export class RpcError extends Error {
  /** JSON-RPC code. */
  readonly code: RpcCode;
  /** `data` member of the error object. */
  readonly data: string | DeliveryErrorData;

  constructor(code: RpcCode, data: string | DeliveryErrorData, options?: { cause?: unknown }) {
    super(MESSAGES[code], options);
    this.name = "RpcError";
    this.code = code;
    this.data = data;
  }

  /** The wire form of the error object. */
  toJSON(): { code: number; message: string; data: string | DeliveryErrorData } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

/** -32602 with a detail string (`chat_id is required`, …). */
export function invalidParams(detail: string): RpcError {
  return new RpcError(RPC_CODES.invalidParams, detail);
}

/** -32603 with a detail string (AppleScript failures, SQLite errors, the 0.9 Full-Disk-Access banner). */
export function internalError(detail: string, cause?: unknown): RpcError {
  return new RpcError(RPC_CODES.internalError, detail, { cause });
}
