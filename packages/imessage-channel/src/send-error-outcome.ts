import type { DeliveryOutcome } from "./delivery-types.ts";
import { ImessageDeliveryError } from "./imessage-errors.ts";
import { classifySendError } from "./send-error-kind.ts";

/**
 * The outcome of a send call that threw: `unknown` when imsg may have done it (or `uncertain` says so), with
 * the attempt id a later check looks for; otherwise `failed`, retryable as the error's kind says.
 */
export function sendErrorOutcome(
  error: unknown,
  messages: { unknown: string; failed(detail: string): string },
  options: { uncertain?: boolean; attemptId?: string } = {},
): DeliveryOutcome {
  const kind = classifySendError(error);
  if (kind.kind === "unknown" || options.uncertain) {
    return {
      state: "unknown",
      ...(options.attemptId ? { attemptId: options.attemptId } : {}),
      error: new ImessageDeliveryError("IMESSAGE_SEND_UNKNOWN", messages.unknown, { cause: error }),
    };
  }
  return {
    state: "failed",
    retryable: kind.retryable,
    error: new ImessageDeliveryError(
      "IMESSAGE_SEND_FAILED",
      messages.failed((error as Error).message ?? String(error)),
      { cause: error },
    ),
  };
}
