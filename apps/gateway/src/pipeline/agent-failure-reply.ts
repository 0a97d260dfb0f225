import type { Logger } from "@imgate/channel-core";
import { AgentError, upstreamDetail } from "../agents/agent-error.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { TurnGiveUpReason } from "./turn-retry.ts";

/** What is known about a turn that is given up. */
export interface GivenUpTurn {
  accountId: string;
  agentId: string;
  sessionKey: string;
  /** The inbound row (absent for a turn resumed from the state store). */
  rowid?: number;
  reason: TurnGiveUpReason;
  /** The last failure: an error, or the stored error text of a resumed turn. */
  error: unknown;
  attempts: number;
  /** `messages.agentFailureReply`. */
  failureReply: string;
}

/** The one-line description of a failure stored with the turn and shown by `imgate status`. */
export function describeAgentFailure(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" && error !== "" ? error : "unknown agent failure";
}

/**
 * Counts and logs a given-up turn (`imgate_agent_turns_given_up_total`), with the upstream's own error
 * body (truncated; the gateway logger scrubs secrets from every line), and returns the text owed to the
 * sender: `messages.agentFailureReply`, or undefined when it is `""`.
 */
export function reportGivenUpTurn(
  turn: GivenUpTurn,
  deps: { logger: Logger; metrics: GatewayMetrics },
): string | undefined {
  deps.metrics.agentTurnsGivenUp.inc({ account: turn.accountId, agent: turn.agentId, reason: turn.reason });
  const upstream = upstreamDetail(turn.error);
  deps.logger.error(
    {
      ...(turn.error instanceof AgentError
        ? { err: turn.error, code: turn.error.code, backend: turn.error.backend }
        : { error: describeAgentFailure(turn.error) }),
      ...(upstream !== undefined ? { upstreamBody: upstream } : {}),
      agentId: turn.agentId,
      sessionKey: turn.sessionKey,
      ...(turn.rowid !== undefined ? { rowid: turn.rowid } : {}),
      reason: turn.reason,
      attempts: turn.attempts,
      failureReply: turn.failureReply !== "",
    },
    turn.reason === "window"
      ? "agent turn given up: the retry window (messages.agentRetryMs) is over"
      : "agent turn given up: the failure cannot be fixed by retrying",
  );
  return turn.failureReply === "" ? undefined : turn.failureReply;
}
