import { type Logger, PAIRING_APPROVED_MESSAGE, PairingError } from "@imgate/channel-core";
import { ControlApiHttpError } from "./control-api/control-api-http-error.ts";
import type { ControlApiHandlers, PauseResult, ReadinessReport } from "./control-api/control-api-types.ts";
import type { GatewayMetrics } from "./metrics/gateway-metrics.ts";
import type { AccountRuntime } from "./pipeline/account-runtime.ts";
import type { CoreServices } from "./pipeline/core-services.ts";

/** What the control API's handlers read from the running gateway. */
export interface ControlApiHandlerDeps {
  core: CoreServices;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Per-account readiness, as `GET /readyz` reports it (the state-store fields read afresh). */
  readiness: () => Promise<ReadinessReport>;
  /** Reads what `/metrics` reports from the state store afresh. */
  refreshMetrics: () => Promise<void>;
  /** The running account that serves `accountId` (the default account when undefined); throws a 404. */
  runtimeFor: (accountId: string | undefined) => AccountRuntime;
  /** Every running account id. */
  accountIds: () => string[];
  /** Wakes every account's delivery (after a resume). */
  wakeAll: () => void;
}

const CHANNEL = "imessage";

/** The control API's handlers over a running gateway: readiness, metrics, pairing and send. */
export function createControlApiHandlers({
  core,
  metrics,
  logger,
  readiness,
  refreshMetrics,
  runtimeFor,
  accountIds,
  wakeAll,
}: ControlApiHandlerDeps): ControlApiHandlers {
  const checkAccount = (accountId: string | undefined) => {
    if (accountId !== undefined && !accountIds().includes(accountId)) {
      throw new ControlApiHttpError(
        404,
        "account_not_found",
        `No running account "${accountId}"; the accounts are ${accountIds().join(", ")} (see channels.imessage.accounts).`,
      );
    }
  };
  const report = async (action: PauseResult["action"]): Promise<PauseResult> => {
    const queued = (await core.outbox.list(["queued"])).filter((entry) => entry.channel === CHANNEL);
    return {
      action,
      accounts: await Promise.all(
        accountIds().map(async (accountId) => ({
          accountId,
          paused: (await core.pauses.stateOf(CHANNEL, accountId)) !== undefined,
          queued: queued.filter((entry) => entry.accountId === accountId).length,
        })),
      ),
    };
  };
  return {
    async pause(request) {
      checkAccount(request.accountId);
      const record = await core.pauses.pause(CHANNEL, request.accountId, request.reason);
      logger.warn(
        { account: request.accountId ?? "all", reason: record.reason },
        "outbound sending paused: everything is held in the outbox until resumed",
      );
      return report("paused");
    },
    async resume(request) {
      checkAccount(request.accountId);
      if (
        request.accountId !== undefined &&
        (await core.pauses.stateOf(CHANNEL, request.accountId))?.scope === "all"
      ) {
        throw new ControlApiHttpError(
          409,
          "paused_for_all",
          "Every account is paused (imgate pause without --account); resume them all with `imgate resume`.",
        );
      }
      await core.pauses.resume(CHANNEL, request.accountId);
      logger.info(
        { account: request.accountId ?? "all" },
        "outbound sending resumed; held messages go out in order",
      );
      wakeAll();
      return report("resumed");
    },
    readiness,
    async metrics() {
      await refreshMetrics();
      return metrics.registry.render();
    },
    listPairing: (channel) => core.pairing.list(channel),
    async approvePairing(request) {
      let approved: { channel: string; sender: string; alreadyApproved?: boolean };
      try {
        approved = await core.pairing.approve(request.channel, request.code);
      } catch (error) {
        if (error instanceof PairingError) {
          const status = error.code === "PAIRING_RATE_LIMITED" ? 429 : 404;
          throw new ControlApiHttpError(status, error.code, error.message, { cause: error });
        }
        throw error;
      }
      let notified = false;
      let noticeHeld = false;
      if (approved.alreadyApproved) {
        return { channel: approved.channel, sender: approved.sender, notified: false, alreadyApproved: true };
      }
      if (request.notify) {
        try {
          const sent = await runtimeFor(undefined).send(approved.sender, PAIRING_APPROVED_MESSAGE, {
            waitMs: 5_000,
          });
          notified = sent.status === "sent";
          noticeHeld = sent.status === "held";
        } catch (error) {
          logger.warn({ err: error }, "pairing: could not notify the approved sender");
        }
      }
      return {
        channel: approved.channel,
        sender: approved.sender,
        notified,
        ...(noticeHeld ? { noticeHeld: true } : {}),
      };
    },
    send: (request) =>
      runtimeFor(request.accountId).send(request.target, request.text, {
        wait: request.wait,
        waitMs: request.waitMs,
        ...(request.file !== undefined ? { file: request.file } : {}),
      }),
  };
}
