import type { Logger } from "@imgate/channel-core";
import type { ImsgClient } from "@imgate/imsg-rpc";
import { logErrorFields } from "../logging/log-error-fields.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";

/** Options of {@link followTransportState}. */
export interface FollowTransportStateOptions {
  accountId: string;
  metrics: GatewayMetrics;
  logger: Logger;
  /** imsg became ready (again): reconcile the outbox, wake delivery. */
  onReady(): void;
}

/**
 * Reacts to the imsg client's state: ready wakes the outbox; each backoff is counted (`restarts`) and
 * logged once, without a stack for expected errors.
 */
export function followTransportState(
  client: Pick<ImsgClient, "onStateChange">,
  options: FollowTransportStateOptions,
): void {
  const { accountId, metrics, logger } = options;
  // The client reports several state changes per backoff (entering it, then the restart counter just
  // before the retry, still carrying the old nextRetryAt): count and log each backoff once.
  let backoffSeen: number | undefined;
  client.onStateChange((state) => {
    if (state.status === "ready") {
      options.onReady();
    } else if (state.status === "backoff" && state.lastError && state.nextRetryAt !== backoffSeen) {
      backoffSeen = state.nextRetryAt;
      metrics.restarts.inc({ account: accountId });
      logger.warn(
        {
          ...logErrorFields(state.lastError),
          failures: state.failures,
          nextRetryAt:
            state.nextRetryAt === undefined ? undefined : new Date(state.nextRetryAt).toISOString(),
        },
        "imsg transport failed; retrying with backoff",
      );
    }
  });
}
