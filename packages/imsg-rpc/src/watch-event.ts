import type { Logger } from "./logger.ts";
import {
  errorNotification,
  messageNotification,
  watchOverflowNotification,
} from "./protocol/notifications.ts";
import type { Message } from "./protocol/shapes.ts";
import type { ImsgRpcStats } from "./rpc-stats.ts";
import type { WatchStream } from "./watch-stream.ts";

/** A validated watch notification, addressed by the imsg subscription id it belongs to. */
export type WatchEvent =
  | { kind: "message"; subscription: number; message: Message }
  | { kind: "overflow"; subscription: number; resumeAfterRowid: number }
  | { kind: "error"; subscription: number; message: string };

/** Validates a notification; invalid ones are counted and logged, unknown methods ignored. */
export function parseWatchEvent(
  method: string,
  params: unknown,
  logger: Logger,
  stats: ImsgRpcStats,
): WatchEvent | undefined {
  const invalid = (issues: unknown): void => {
    stats.validationErrors++;
    logger.warn({ method, issues }, `dropped an invalid imsg ${method} notification`);
  };
  if (method === messageNotification.method) {
    const parsed = messageNotification.params.safeParse(params);
    if (parsed.success) {
      return { kind: "message", subscription: parsed.data.subscription, message: parsed.data.message };
    }
    invalid(parsed.error.issues);
  } else if (method === watchOverflowNotification.method) {
    const parsed = watchOverflowNotification.params.safeParse(params);
    if (parsed.success) {
      const { subscription, resume_after_rowid } = parsed.data;
      return { kind: "overflow", subscription, resumeAfterRowid: resume_after_rowid };
    }
    invalid(parsed.error.issues);
  } else if (method === errorNotification.method) {
    const parsed = errorNotification.params.safeParse(params);
    if (parsed.success) {
      return { kind: "error", subscription: parsed.data.subscription, message: parsed.data.error.message };
    }
    invalid(parsed.error.issues);
  } else {
    logger.debug({ method }, "ignoring an imsg notification this client does not handle");
  }
  return undefined;
}

/** Hands a validated event to the watch that holds its subscription. */
export function applyWatchEvent(watch: WatchStream, event: WatchEvent): void {
  if (event.kind === "message") watch.deliver(event.message);
  else if (event.kind === "overflow") watch.overflow(event.subscription, event.resumeAfterRowid);
  else watch.streamError(event.subscription, event.message);
}
