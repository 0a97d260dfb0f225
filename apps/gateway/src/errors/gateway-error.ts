/**
 * The gateway's error family. Every error carries a stable `code` that callers (the CLI, the control
 * API, tests) branch on, the underlying `cause`, and a one-sentence message that names the fix.
 */

import { CodedError } from "@imgate/channel-core";

/** Stable codes of {@link GatewayError}. */
export const GatewayErrorCode = {
  /** The config file does not exist at the resolved path. */
  ConfigNotFound: "CONFIG_NOT_FOUND",
  /** The config file exists but is not readable JSON5. */
  ConfigSyntax: "CONFIG_SYNTAX",
  /** The config file parsed but does not match the schema. */
  ConfigInvalid: "CONFIG_INVALID",
  /** The config file could not be written (e.g. by the `/config` chat command). */
  ConfigWrite: "CONFIG_WRITE",
  /** An agent backend did not answer within its timeout. */
  AgentTimeout: "AGENT_TIMEOUT",
  /** An agent backend answered with something that is not a valid reply. */
  AgentBadResponse: "AGENT_BAD_RESPONSE",
  /** An agent backend failed (HTTP error, non-zero exit, network error). */
  AgentFailed: "AGENT_FAILED",
  /** The turn was abandoned because the gateway is stopping. */
  AgentAborted: "AGENT_ABORTED",
  /** The control API cannot start with the given settings. */
  ControlApiUnsafe: "CONTROL_API_UNSAFE",
  /** A control-API call failed (client side). */
  ControlApiRequest: "CONTROL_API_REQUEST",
  /** A webhook request failed signature or replay verification. */
  WebhookSignature: "WEBHOOK_SIGNATURE",
  /** The gateway could not start (state store, accounts, control API). */
  GatewayStart: "GATEWAY_START",
} as const;

/** One of the {@link GatewayErrorCode} values. */
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

/** Base class of every error the gateway throws on purpose. */
export class GatewayError extends CodedError<GatewayErrorCode> {}

/** Returns true when `error` is a {@link GatewayError} (optionally with the given code). */
export function isGatewayError(error: unknown, code?: GatewayErrorCode): error is GatewayError {
  return error instanceof GatewayError && (code === undefined || error.code === code);
}
