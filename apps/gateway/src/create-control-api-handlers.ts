import { type Logger, PAIRING_APPROVED_MESSAGE, PairingError } from "@imgate/channel-core";
import { ControlApiHttpError } from "./control-api/control-api-http-error.ts";
import type { ControlApiHandlers, ReadinessReport } from "./control-api/control-api-types.ts";
import type { GatewayMetrics } from "./metrics/gateway-metrics.ts";
import type { AccountRuntime } from "./pipeline/account-runtime.ts";
import type { CoreServices } from "./pipeline/core-services.ts";

/** What the control API's handlers read from the running gateway. */
export interface ControlApiHandlerDeps {
  core: CoreServices;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Per-account readiness, as `GET /readyz` reports it. */
  readiness: () => ReadinessReport;
  /** The running account that serves `accountId` (the default account when undefined); throws a 404. */
  runtimeFor: (accountId: string | undefined) => AccountRuntime;
}

/** The control API's handlers over a running gateway: readiness, metrics, pairing and send. */
export function createControlApiHandlers({
  core,
  metrics,
  logger,
  readiness,
  runtimeFor,
}: ControlApiHandlerDeps): ControlApiHandlers {
  return {
    readiness,
    metrics: () => metrics.registry.render(),
    listPairing: (channel) => core.pairing.list(channel),
    async approvePairing(request) {
      let approved: { channel: string; sender: string; alreadyApproved?: boolean };
      try {
        approved = core.pairing.approve(request.channel, request.code);
      } catch (error) {
        if (error instanceof PairingError) {
          const status = error.code === "PAIRING_RATE_LIMITED" ? 429 : 404;
          throw new ControlApiHttpError(status, error.code, error.message, { cause: error });
        }
        throw error;
      }
      let notified = false;
      if (approved.alreadyApproved) {
        return { channel: approved.channel, sender: approved.sender, notified: false, alreadyApproved: true };
      }
      if (request.notify) {
        try {
          const sent = await runtimeFor(undefined).send(approved.sender, PAIRING_APPROVED_MESSAGE, {
            waitMs: 5_000,
          });
          notified = sent.status === "sent";
        } catch (error) {
          logger.warn({ err: error }, "pairing: could not notify the approved sender");
        }
      }
      return { channel: approved.channel, sender: approved.sender, notified };
    },
    send: (request) =>
      runtimeFor(request.accountId).send(request.target, request.text, {
        wait: request.wait,
        waitMs: request.waitMs,
        ...(request.file !== undefined ? { file: request.file } : {}),
      }),
  };
}
