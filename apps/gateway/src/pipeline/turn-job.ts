import type { Clock, Envelope, PendingTurn, PendingTurnDraft } from "@imgate/channel-core";
import type { ResolvedImessageAccount, TurnPresence } from "@imgate/imessage-channel";
import type { AgentTurn } from "../agents/agent-turn.ts";

/** One agent turn on its way to an outcome (fresh from the watch, or resumed from the state store). */
export interface TurnJob {
  /** The inbound row while it is unfinished; cleared once the turn's pending record finished it. */
  rowid: number | undefined;
  answering: ResolvedImessageAccount;
  envelope: Envelope;
  target: string;
  route: { agentId: string; sessionKey: string };
  /** When the gateway first saw the message (ms): the retry window starts here. */
  arrivedAt: number;
  /** The turn handed to the agent, identical on every attempt. */
  turn: AgentTurn;
  attempts: number;
  lastError?: string;
  nextAttemptAt?: number;
  /** Whether the turn is stored in `pending_turns` (its first retryable failure was committed). */
  recorded: boolean;
  /** The typing bubble of a turn fresh from the watch; cleared at its first retryable failure. */
  presence?: TurnPresence;
}

/**
 * The record that keeps a failing turn alive across restarts (see PendingTurnStore), stored under the
 * watcher's (owning) `accountId`; a job with no next attempt yet is due now.
 */
export function pendingTurnDraft(accountId: string, job: TurnJob, clock: Clock): PendingTurnDraft {
  return {
    accountId,
    envelope: job.envelope,
    sessionKey: job.route.sessionKey,
    agentId: job.route.agentId,
    target: job.target,
    request: job.turn,
    meta: { answeringAccountId: job.answering.accountId },
    arrivedAt: job.arrivedAt,
    attempts: job.attempts,
    nextAttemptAt: job.nextAttemptAt ?? clock.now(),
    ...(job.lastError !== undefined ? { lastError: job.lastError } : {}),
  };
}

/**
 * The job of a turn a previous run left pending: answered by the account it names when that account is
 * still among `accounts`, otherwise by `owner` (the watcher's account).
 */
export function turnJobFromPending(
  pending: PendingTurn,
  accounts: readonly ResolvedImessageAccount[],
  owner: ResolvedImessageAccount,
): TurnJob {
  const answeringId = pending.meta?.answeringAccountId;
  return {
    rowid: undefined,
    answering: accounts.find((entry) => entry.accountId === answeringId) ?? owner,
    envelope: pending.envelope,
    target: pending.target,
    route: { agentId: pending.agentId, sessionKey: pending.sessionKey },
    arrivedAt: pending.arrivedAt,
    turn: pending.request as AgentTurn,
    attempts: pending.attempts,
    ...(pending.lastError !== undefined ? { lastError: pending.lastError } : {}),
    nextAttemptAt: pending.nextAttemptAt,
    recorded: true,
  };
}
