import { replyIdempotencyKey } from "../outbox.ts";
import type { OutcomeWriter, StateBackend } from "../state/state-backend.ts";
import type { Middleware } from "./compose-middleware.ts";
import type { InboundContext } from "./inbound-context.ts";

/** Options of {@link dedupeStep}. */
export interface DedupeStepOptions<C extends InboundContext> {
  dedupe: Pick<StateBackend["dedupe"], "handled">;
  /** Signs in memory that the message is under way (a turn in flight): checked first, they cost no query. */
  inFlight?(ctx: C): boolean;
}

/**
 * The first step: a message already handled (its `(account, guid)` mark, its first reply queued, or its turn
 * stored — one read, `dedupe.handled`) or under way is dropped as `duplicate` before the policy, pairing,
 * history or agent see it, so a replay is harmless on every path.
 */
export function dedupeStep<C extends InboundContext>(options: DedupeStepOptions<C>): Middleware<C> {
  return async (ctx, next) => {
    const { accountId, envelope } = ctx;
    if (
      options.inFlight?.(ctx) ||
      (await options.dedupe.handled(accountId, envelope.guid, replyIdempotencyKey(envelope, 0)))
    ) {
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
