import type { Logger } from "../logger.ts";
import type { Middleware } from "./compose-middleware.ts";
import type { InboundContext } from "./inbound-context.ts";

/** A per-session FIFO with a concurrency slot per running task (the gateway's session queue). */
export interface SessionQueueLike<S> {
  enqueue<T>(sessionKey: string, task: (slot: S) => Promise<T>): Promise<T>;
}

/** Options of {@link sessionQueueStep}. */
export interface SessionQueueStepOptions<S> {
  queue: SessionQueueLike<S>;
  /** Guids queued or running; the dedupe step drops their replays. Shared with whoever resumes turns. */
  inFlight: Set<string>;
  logger: Logger;
}

/**
 * Queues the rest of the pipeline behind the session's earlier messages (one at a time per session,
 * sessions in parallel) and returns at once: intake never waits for an agent. The message's guid is
 * in flight until its task ends. `ctx.slot` is the task's concurrency slot.
 */
export function sessionQueueStep<S, C extends InboundContext & { slot?: S }>(
  options: SessionQueueStepOptions<S>,
): Middleware<C> {
  return (ctx, next) => {
    const sessionKey = ctx.route?.sessionKey;
    if (sessionKey === undefined) throw new Error("sessionQueueStep: the message has no route yet");
    const { guid } = ctx.envelope;
    options.inFlight.add(guid);
    void options.queue
      .enqueue(sessionKey, (slot) => {
        ctx.slot = slot;
        return next();
      })
      .catch((error: unknown) => options.logger.error({ err: error, guid }, "turn failed"))
      .finally(() => options.inFlight.delete(guid));
  };
}
