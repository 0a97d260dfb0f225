import type { AsyncPendingTurns, PendingTurn } from "@imgate/channel-core";
import type { AccountReadiness } from "../control-api/control-api-types.ts";

/** Pending and given-up turns listed per account in the readiness report (the counts are complete). */
const STATUS_TURNS_LISTED = 5;

/**
 * The readiness fields about an account's failing agent turns: how many wait for a retry (the oldest
 * listed) and the latest given up. Empty when there are none.
 */
export async function pendingTurnReport(
  store: Pick<AsyncPendingTurns, "listPending" | "listGivenUp">,
  accountId: string,
): Promise<Pick<AccountReadiness, "pendingTurns" | "pendingRetries" | "givenUpTurns">> {
  const [pending, givenUp] = await Promise.all([
    store.listPending(accountId),
    store.listGivenUp(accountId, STATUS_TURNS_LISTED),
  ]);
  const report: Pick<AccountReadiness, "pendingTurns" | "pendingRetries" | "givenUpTurns"> = {};
  const summary = (turn: PendingTurn) => ({
    agentId: turn.agentId,
    sessionKey: turn.sessionKey,
    sender: turn.envelope.sender,
    arrivedAt: new Date(turn.arrivedAt).toISOString(),
    attempts: turn.attempts,
    ...(turn.lastError !== undefined ? { lastError: turn.lastError } : {}),
  });
  if (pending.length > 0) {
    report.pendingTurns = pending.length;
    report.pendingRetries = pending.slice(0, STATUS_TURNS_LISTED).map((turn) => ({
      ...summary(turn),
      nextAttemptAt: new Date(turn.nextAttemptAt).toISOString(),
    }));
  }
  if (givenUp.length > 0) {
    report.givenUpTurns = givenUp.map((turn) => ({
      ...summary(turn),
      reason: turn.giveUpReason ?? "unknown",
      givenUpAt: new Date(turn.givenUpAt ?? turn.updatedAt).toISOString(),
    }));
  }
  return report;
}
