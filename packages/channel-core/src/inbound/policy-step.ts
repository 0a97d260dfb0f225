import type { PolicyDecision } from "../policy-types.ts";
import type { Middleware } from "./compose-middleware.ts";
import type { InboundContext } from "./inbound-context.ts";

/** Options of {@link policyStep}. */
export interface PolicyStepOptions<C extends InboundContext> {
  /**
   * Decides the message (usually `AccessPolicy.evaluate` with the account's settings and the mention
   * patterns of the agent it routes to; may also set `ctx.route`, which the mention patterns depend on).
   */
  decide(ctx: C): PolicyDecision | Promise<PolicyDecision>;
}

/** Sets `ctx.decision`; a `drop` decision ends the message here, counted under its reason. */
export function policyStep<C extends InboundContext>(options: PolicyStepOptions<C>): Middleware<C> {
  return async (ctx, next) => {
    const decision = await options.decide(ctx);
    ctx.decision = decision;
    if (decision.kind === "drop") {
      ctx.drop(decision.reason);
      return;
    }
    return next();
  };
}
