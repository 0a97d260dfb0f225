import type { AsyncOutbox, Clock } from "@imgate/channel-core";
import type { HeldReport } from "../control-api/control-api-types.ts";
import type { SendHold } from "./send-gate.ts";

/**
 * What the outbox holds back for `accountId` and why: entries held by a new-contact budget carry their own
 * reason; every other waiting entry is held by the account-wide hold (pause, daily cap) when there is one.
 * `undefined` when nothing is held.
 */
export async function heldReport(
  outbox: Pick<AsyncOutbox, "list">,
  accountId: string,
  accountHold: SendHold | undefined,
  clock: Clock,
): Promise<HeldReport | undefined> {
  const queued = await outbox.list(["queued"]);
  const now = clock.now();
  const held = queued
    .filter((entry) => entry.accountId === accountId)
    .map((entry) => {
      const reason =
        entry.heldReason !== undefined && entry.notBefore > now
          ? { reason: entry.heldReason, until: entry.notBefore }
          : accountHold && entry.notBefore <= now
            ? accountHold
            : undefined;
      return reason ? { entry, reason } : undefined;
    })
    .filter((item) => item !== undefined);
  if (held.length === 0) return undefined;
  const byReason: Record<string, number> = {};
  for (const { reason } of held) byReason[reason.reason] = (byReason[reason.reason] ?? 0) + 1;
  return {
    count: held.length,
    byReason,
    oldest: held.slice(0, 5).map(({ entry, reason }) => ({
      outboxId: entry.id,
      target: entry.target,
      reason: reason.reason,
      ...(reason.until !== undefined ? { until: new Date(reason.until).toISOString() } : {}),
    })),
  };
}
