import { GatewayError, type GatewayErrorCode } from "../errors/gateway-error.ts";

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
