import type { HistoryEntry } from "../history-store.ts";
import type { Middleware } from "./compose-middleware.ts";
import { finishOnce } from "./dedupe-step.ts";
import { historyEntryOf } from "./history-entry-of.ts";
import type { InboundContext } from "./inbound-context.ts";

/** How a message that is not answered is kept in its session's history. */
export interface HistoryKeeperOptions<C extends InboundContext> {
  /** How many entries the session keeps (per account, chat type, DM). */
  historyLimit(ctx: C): number;
  /** The history entry of the message; default {@link historyEntryOf}. */
  entryOf?(ctx: C): HistoryEntry;
}

/** Keeps the message in its session's history (`ctx.route` must be set), counted under `reason`, once. */
export function keepAsHistory<C extends InboundContext>(
  ctx: C,
  reason: string,
  options: HistoryKeeperOptions<C>,
): void {
  const sessionKey = ctx.route?.sessionKey;
  if (sessionKey === undefined) throw new Error("keepAsHistory: the message has no route yet");
  ctx.count(reason);
  const entry = options.entryOf?.(ctx) ?? historyEntryOf(ctx.envelope);
  const limit = options.historyLimit(ctx);
  finishOnce(ctx, (writer) => writer.appendHistory(sessionKey, entry, limit));
}

/**
 * A `history-only` decision (a group message without the required mention) ends here: the message is
 * kept in the group's history, so a later mention sees the conversation, and is not answered.
 */
export function mentionGateStep<C extends InboundContext>(options: HistoryKeeperOptions<C>): Middleware<C> {
  return (ctx, next) => {
    if (ctx.decision?.kind !== "history-only") return next();
    keepAsHistory(ctx, ctx.decision.reason, options);
  };
}
