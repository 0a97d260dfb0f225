import type { Logger } from "../logger.ts";
import type { PairingReplyMode } from "../pairing-service.ts";
import type { AsyncPairing } from "../state/state-backend.ts";
import type { Middleware } from "./compose-middleware.ts";
import { finishOnce } from "./dedupe-step.ts";
import type { InboundContext } from "./inbound-context.ts";

/** The request meta key holding the guid of the message that created the request (see {@link pairingStep}). */
export const PAIRING_MESSAGE_META = "messageGuid";

/** Options of {@link pairingStep}. */
export interface PairingStepOptions<C extends InboundContext> {
  pairing: Pick<AsyncPairing, "request" | "list">;
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
 *
 * The request is a read-modify-write of its own (not part of the group commit), so it runs before the
 * message finishes; the code reply commits with the message's dedupe mark. A crash between the two
 * replays the message: the request is then `already_pending`, and since it was created by this very message
 * (its guid is kept in the request's meta as `messageGuid`) the code is still sent, once — the reply's
 * outbox key is the message's. Another message of a sender with a pending request gets nothing, as before.
 */
export function pairingStep<C extends InboundContext>(options: PairingStepOptions<C>): Middleware<C> {
  return async (ctx, next) => {
    if (ctx.decision?.kind !== "pairing") return next();
    const { envelope } = ctx;
    const meta = { ...options.meta?.(ctx), [PAIRING_MESSAGE_META]: envelope.guid };
    const reply = options.replyMode?.(ctx);
    ctx.count("pairing");
    const result = await options.pairing.request({
      channel: options.channel,
      sender: envelope.sender,
      meta,
      ...(reply ? { reply } : {}),
    });
    let code: string | undefined;
    if (result.action === "reply") code = result.code;
    else if (result.reason === "already_pending" && reply !== "silent" && envelope.guid !== "") {
      const pending = await options.pairing.list(options.channel);
      const own = pending.find(
        (request) =>
          request.sender === envelope.sender && request.meta?.[PAIRING_MESSAGE_META] === envelope.guid,
      );
      if (own) code = own.code;
    }
    if (code === undefined) {
      options.logger.info(
        { sender: envelope.sender, reason: result.action === "none" ? result.reason : undefined },
        "pairing: no reply sent",
      );
    }
    const text = code === undefined ? undefined : options.message(code);
    finishOnce(ctx, (writer) => {
      if (text !== undefined) ctx.reply(writer, [text]);
    });
  };
}
