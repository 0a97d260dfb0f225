import type { OutcomeWriter, StateBackend } from "../state/state-backend.ts";
import type { Middleware } from "./compose-middleware.ts";
import type { InboundContext } from "./inbound-context.ts";

/** Options of {@link dedupeStep}. */
export interface DedupeStepOptions<C extends InboundContext> {
  dedupe: Pick<StateBackend["dedupe"], "has">;
  /**
   * Other signs the message is handled or under way that the persisted mark cannot show yet (a turn in
   * flight, a reply already queued, a stored turn). Checked first: in-memory ones cost no query.
   */
  alsoHandled?(ctx: C): boolean | Promise<boolean>;
}

/**
 * The first step: a message already handled (persisted `(account, guid)` mark) or under way is dropped as
 * `duplicate` before the policy, pairing, history or agent see it, so a replay is harmless on every path.
 */
export function dedupeStep<C extends InboundContext>(options: DedupeStepOptions<C>): Middleware<C> {
  return async (ctx, next) => {
    if ((await options.alsoHandled?.(ctx)) || (await options.dedupe.has(ctx.accountId, ctx.envelope.guid))) {
      ctx.drop("duplicate");
      return;
    }
    return next();
  };
}

/**
 * Finishes the message with `persist`, whose writes apply only if the message's dedupe mark is set by this
 * very commit (the `firstSeen` guard: a concurrent or replayed copy that got there first makes it a no-op),
 * so an outcome is persisted once.
 */
export function finishOnce(ctx: InboundContext, persist: (writer: OutcomeWriter) => void): void {
  ctx.finish((writer) => {
    writer.onlyIf({ kind: "firstSeen", accountId: ctx.accountId, guid: ctx.envelope.guid });
    persist(writer);
  });
}
