import { GatewayError, GatewayErrorCode } from "../errors/gateway-error.ts";

/** Codes an agent backend fails with. */
export type AgentErrorCode =
  | typeof GatewayErrorCode.AgentTimeout
  | typeof GatewayErrorCode.AgentBadResponse
  | typeof GatewayErrorCode.AgentFailed
  | typeof GatewayErrorCode.AgentAborted;

/** A backend that did not produce a reply; `backend` names the kind (`openai`, `exec`, …). */
export class AgentError extends GatewayError {
  /** The backend kind that failed. */
  readonly backend: string;
  /** Whether another attempt may succeed (HTTP 429/5xx, network errors). */
  readonly retryable: boolean;

  constructor(
    code: AgentErrorCode,
    message: string,
    options: { backend: string; retryable?: boolean; cause?: unknown },
  ) {
    super(code, message, { cause: options.cause });
    this.name = "AgentError";
    this.backend = options.backend;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * Whether an HTTP status from an agent backend may succeed on another attempt: 408, 425, 429 and 5xx.
 * Other 4xx (400, 401, 403, 404, 422, …) mean the request or the credentials are wrong: retrying is useless.
 */
export function isRetryableHttpStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * How the gateway treats a failed agent call: `aborted` (the gateway is stopping; the turn is resumed on
 * the next start), `retryable` (5xx, 429, timeouts, refused or reset connections, invalid bodies) or
 * `permanent` (other 4xx, missing secrets, a command that cannot start, anything unexpected).
 */
export function classifyAgentFailure(error: unknown): "aborted" | "retryable" | "permanent" {
  if (!(error instanceof AgentError)) return "permanent";
  if (error.code === GatewayErrorCode.AgentAborted) return "aborted";
  return error.retryable ? "retryable" : "permanent";
}

/**
 * The upstream's own words about a failure (an HTTP error body, a command's stderr), truncated to
 * `maxLength`, for the log; undefined when the error carries none. Secrets are scrubbed by the logger.
 */
export function upstreamDetail(error: unknown, maxLength = 1_000): string | undefined {
  const cause = error instanceof AgentError ? error.cause : undefined;
  if (typeof cause !== "string" || cause === "") return undefined;
  return cause.length > maxLength ? `${cause.slice(0, maxLength)}…` : cause;
}
