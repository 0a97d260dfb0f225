import type { InboundDedupe } from "../inbound-dedupe.ts";
import type { Middleware } from "./compose-middleware.ts";
import type { InboundContext } from "./inbound-context.ts";

/** Options of {@link dedupeStep}. */
export interface DedupeStepOptions<C extends InboundContext> {
  dedupe: Pick<InboundDedupe, "has">;
  /**
   * Other signs the message is handled or under way that the persisted mark cannot show yet (a turn in
   * flight, a reply already queued, a stored turn). Checked first: they cost no query.
   */
  alsoHandled?(ctx: C): boolean;
}

/**
 * The first step: a message already handled (persisted `(account, guid)` mark) or under way is dropped as
 * `duplicate` before the policy, pairing, history or agent see it, so a replay is harmless on every path.
 */
export function dedupeStep<C extends InboundContext>(options: DedupeStepOptions<C>): Middleware<C> {
  return (ctx, next) => {
    if (options.alsoHandled?.(ctx) || options.dedupe.has(ctx.accountId, ctx.envelope.guid)) {
      ctx.drop("duplicate");
      return;
    }
    return next();
  };
}

/**
 * Finishes the message with `persist`, which runs only if the message's dedupe mark is set by this very
 * commit (a concurrent or replayed copy that got there first makes it a no-op): an outcome is persisted
 * once.
 */
export function finishOnce(
  ctx: InboundContext,
  dedupe: Pick<InboundDedupe, "seen">,
  persist: () => void,
): void {
  ctx.finish(() => {
    if (dedupe.seen(ctx.accountId, ctx.envelope.guid)) return;
    persist();
  });
}
