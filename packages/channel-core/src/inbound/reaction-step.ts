import type { Middleware } from "./compose-middleware.ts";
import type { InboundContext } from "./inbound-context.ts";

/** Which inbound tapbacks reach the agent: those on the bot's own messages, all of them, or none. */
export type ReactionNotifications = "own" | "all" | "off";

/** Options of {@link reactionStep}. */
export interface ReactionStepOptions<C extends InboundContext> {
  /** The answering account's `reactionNotifications`. */
  mode(ctx: C): ReactionNotifications;
}

/**
 * Tapbacks (envelopes with `reaction`) are events, never text turns. Runs after the policy: a tapback from
 * someone who may not talk to the agent (a stranger awaiting pairing) is dropped without a pairing code; one
 * the mode does not want (`off`, or `own` on a message that is not the bot's) is dropped as `reaction`. A
 * wanted one goes on to the session queue and the turn as an event, even in a group without a mention: a
 * reaction to the bot's message addresses the bot. Other messages pass untouched.
 */
export function reactionStep<C extends InboundContext>(options: ReactionStepOptions<C>): Middleware<C> {
  return (ctx, next) => {
    const reaction = ctx.envelope.reaction;
    if (!reaction) return next();
    const decision = ctx.decision;
    if (decision?.kind !== "process" && decision?.kind !== "history-only") {
      ctx.drop("reaction-not-allowed");
      return;
    }
    const mode = options.mode(ctx);
    if (mode === "off" || (mode === "own" && reaction.target.fromMe !== true)) {
      ctx.drop("reaction");
      return;
    }
    if (decision.kind === "history-only") {
      ctx.decision = {
        kind: "process",
        chatType: ctx.envelope.chatType,
        wasMentioned: false,
        commandAuthorized: false,
        configAuthorized: false,
        isControlCommand: false,
        mentionBypassed: false,
      };
    }
    return next();
  };
}
