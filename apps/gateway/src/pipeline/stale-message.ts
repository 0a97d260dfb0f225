import type { Logger } from "@imgate/channel-core";
import type { WatchDelivery } from "@imgate/imsg-rpc";

/** Why a message is too old to answer. */
export type StaleReason = "stale-live" | "stale-replay";

/** Age limits in ms by send date; 0 turns a limit off (`channels.imessage.maxMessageAge`). */
export interface MessageAgeLimits {
  /** Rows that arrive while the watch is live: send date more than this before their arrival. */
  liveMs: number;
  /** Rows replayed after downtime: send date more than this before now. */
  replayMs: number;
}

/** How the row reached the gateway: imsg-rpc's own delivery marks. */
export type DeliveryAge = Pick<WatchDelivery, "replay" | "receivedAt">;

/**
 * Whether a message is too old to hand to the agent: a live row whose send date is long before its
 * arrival synced in late (openclaw/openclaw#2551 answered 2015 messages as new), and a replayed row
 * older than the replay limit belongs to a conversation that moved on while the gateway was down.
 */
export function staleReason(
  sentAt: number,
  delivery: DeliveryAge,
  limits: MessageAgeLimits,
  now: number,
): StaleReason | undefined {
  if (!Number.isFinite(sentAt)) return undefined;
  if (delivery.replay)
    return limits.replayMs > 0 && now - sentAt > limits.replayMs ? "stale-replay" : undefined;
  return limits.liveMs > 0 && delivery.receivedAt - sentAt > limits.liveMs ? "stale-live" : undefined;
}

/** Counts and logs the messages {@link staleReason} holds back. */
export interface StaleMessageLog {
  /** Records one stale message (info log with the running count); returns the new count for `reason`. */
  record(reason: StaleReason, fields: { rowid: number; sentAt: number; chatKey: string }): number;
}

/** Creates the {@link StaleMessageLog} of one watcher. */
export function createStaleMessageLog(logger: Logger, now: () => number): StaleMessageLog {
  const counts: Record<StaleReason, number> = { "stale-live": 0, "stale-replay": 0 };
  return {
    record(reason, { rowid, sentAt, chatKey }) {
      counts[reason]++;
      logger.info(
        {
          rowid,
          chatKey,
          reason,
          sentAt: new Date(sentAt).toISOString(),
          ageMs: now() - sentAt,
          count: counts[reason],
        },
        reason === "stale-live"
          ? "message synced in long after it was sent; kept as history, not answered"
          : "message replayed after downtime is too old; kept as history, not answered",
      );
      return counts[reason];
    },
  };
}
