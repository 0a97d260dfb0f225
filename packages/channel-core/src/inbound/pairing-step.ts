import type { InboundDedupe } from "../inbound-dedupe.ts";
import type { Logger } from "../logger.ts";
import type { PairingReplyMode, PairingService } from "../pairing-service.ts";
import type { Middleware } from "./compose-middleware.ts";
import { finishOnce } from "./dedupe-step.ts";
import type { InboundContext } from "./inbound-context.ts";

/** Options of {@link pairingStep}. */
export interface PairingStepOptions<C extends InboundContext> {
  pairing: Pick<PairingService, "request">;
  dedupe: Pick<InboundDedupe, "seen">;
  /** The channel name pairing requests are recorded under (e.g. `imessage`). */
  channel: string;
  /** The text that carries a new code to the stranger. */
  message(code: string): string;
  /** Whether to answer with the code (`code`) or stay silent (`silent`); default the service's setting. */
  replyMode?(ctx: C): PairingReplyMode;
  /** Extra fields stored with the request (shown by `pairing list`). */
  meta?(ctx: C): Record<string, string | undefined>;
  logger: Logger;
}

/**
 * A `pairing` decision (a stranger's DM under `dmPolicy: "pairing"`) ends here: the request is recorded
 * and, when the service allows (rate limits, `pairingReply`), the code is sent once. Never reaches the agent.
 */
export function pairingStep<C extends InboundContext>(options: PairingStepOptions<C>): Middleware<C> {
  return (ctx, next) => {
    if (ctx.decision?.kind !== "pairing") return next();
    const { envelope } = ctx;
    const meta = options.meta?.(ctx);
    const reply = options.replyMode?.(ctx);
    ctx.count("pairing");
    finishOnce(ctx, options.dedupe, () => {
      const result = options.pairing.request({
        channel: options.channel,
        sender: envelope.sender,
        ...(meta ? { meta } : {}),
        ...(reply ? { reply } : {}),
      });
      if (result.action === "reply") ctx.reply([options.message(result.code)]);
      else options.logger.info({ sender: envelope.sender, reason: result.reason }, "pairing: no reply sent");
    });
  };
}
