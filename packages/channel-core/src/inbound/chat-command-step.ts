import type { Logger } from "../logger.ts";
import type { OutcomeWriter } from "../state/state-backend.ts";
import type { Middleware } from "./compose-middleware.ts";
import { finishOnce } from "./dedupe-step.ts";
import type { InboundContext } from "./inbound-context.ts";

/** What a chat command handler did with a control command. */
export type ChatCommandStepResult =
  | {
      kind: "reply";
      /** The command's name, for logs. */
      command: string;
      /** The answer, sent to the same chat (split by `split`). */
      text: string;
      /** A state change committed together with the answer (e.g. a session reset: `w.resetSession(key)`). */
      apply?: (writer: OutcomeWriter) => void;
    }
  | { kind: "ignored"; reason: string };

/** Options of {@link chatCommandStep}. */
export interface ChatCommandStepOptions<C extends InboundContext> {
  /** Answers the command; `undefined` when the text is not a command after all (it goes to the agent). */
  handle(ctx: C): Promise<ChatCommandStepResult | undefined>;
  /** Splits an answer into the chunks the channel sends. */
  split(ctx: C, text: string): string[];
  logger: Logger;
}

/**
 * Control commands (`/status`, `/config`, …) never reach the agent: an unauthorised one is dropped, an
 * authorised one is answered by the gateway in the same chat, through the outbox like any reply, once.
 * Runs inside the session's queue, so `/reset` is ordered with the session's turns.
 */
export function chatCommandStep<C extends InboundContext>(options: ChatCommandStepOptions<C>): Middleware<C> {
  return async (ctx, next) => {
    const decision = ctx.decision;
    if (decision?.kind !== "process" || !decision.isControlCommand) return next();
    if (!decision.commandAuthorized) {
      ctx.drop("control-command-unauthorized");
      return;
    }
    const result = await options.handle(ctx);
    if (!result) return next();
    if (result.kind === "ignored") {
      ctx.drop("control-command-unauthorized");
      return;
    }
    const chunks = options.split(ctx, result.text);
    options.logger.info(
      { command: result.command, sessionKey: ctx.route?.sessionKey },
      "chat command answered",
    );
    finishOnce(ctx, (writer) => {
      result.apply?.(writer);
      ctx.reply(writer, chunks);
    });
  };
}
