import { type Clock, type HistoryKeeperOptions, keepAsHistory, type Middleware } from "@imgate/channel-core";
import type { GatewayInboundContext } from "./gateway-inbound-context.ts";
import { type StaleMessageLog, staleReason } from "./stale-message.ts";

/** Options of {@link staleGateStep}. */
export interface StaleGateStepOptions {
  staleLog: StaleMessageLog;
  /** How a stale message from an allowed sender is kept in its session's history. */
  keeper: HistoryKeeperOptions<GatewayInboundContext>;
  clock: Clock;
}

/**
 * Runs after the policy: a message too old to answer (`maxMessageAge`, see staleReason) is not handed to
 * pairing or the agent. An allowed sender's is kept in the session's history; a stranger's old message
 * is dropped — it gets no code and is not kept (strangers get nothing).
 */
export function staleGateStep(options: StaleGateStepOptions): Middleware<GatewayInboundContext> {
  return (ctx, next) => {
    const kind = ctx.decision?.kind;
    if (kind !== "process" && kind !== "pairing") return next();
    const { envelope } = ctx;
    const stale = staleReason(
      envelope.timestamp,
      ctx.delivery,
      ctx.answering.maxMessageAge,
      options.clock.now(),
    );
    if (!stale) return next();
    options.staleLog.record(stale, {
      rowid: ctx.rowid,
      sentAt: envelope.timestamp,
      chatKey: envelope.chatKey,
    });
    if (kind === "process") keepAsHistory(ctx, stale, options.keeper);
    else ctx.drop(stale);
  };
}
