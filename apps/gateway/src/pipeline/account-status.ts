import type { AsyncOutbox, AsyncPendingTurns, Clock, Logger } from "@imgate/channel-core";
import type { ImsgClient } from "@imgate/imsg-rpc";
import type { AccountReadiness } from "../control-api/control-api-types.ts";
import type { AccountHealth } from "./account-health.ts";
import { heldReport } from "./held-report.ts";
import { pendingTurnReport } from "./pending-turn-report.ts";
import type { SendGate } from "./send-gate.ts";
import { UNCERTAIN_ADVICE, uncertainEntries } from "./uncertain-delivery.ts";

/** Options of {@link createAccountStatus}. */
export interface AccountStatusOptions {
  /** The watcher's (owning) account: pending turns and uncertain deliveries are reported under it. */
  accountId: string;
  /** Every account the watcher serves. */
  accountIds: readonly string[];
  client: Pick<ImsgClient, "state">;
  transportKind: AccountReadiness["transport"];
  /** Whether the watch subscription is confirmed (running means watching). */
  watching(): boolean;
  outbox: Pick<AsyncOutbox, "list">;
  pendingTurns: Pick<AsyncPendingTurns, "listPending" | "listGivenUp">;
  /** The fix for a transport stuck in backoff, shown next to its error (see transportFix). */
  fix?(lastError: Error | undefined): string | undefined;
  /** The owner's pause switch and limits (set once the outbound side exists). */
  gate?(): SendGate | undefined;
  health?: AccountHealth;
  /** Times the watch was found deaf and resubscribed. */
  deafStreamRecoveries?(): number;
  clock: Clock;
}

/** What `imgate status` and `/readyz` report about one watcher, and the activity it notes. */
export interface AccountStatus {
  noteInbound(at: number): void;
  noteOutbound(at: number): void;
  noteDeliveryError(message: string): void;
  /**
   * The accounts' reports. What comes from the state store (pending turns, uncertain deliveries, pause,
   * held entries) is as of the last {@link AccountStatus.refresh}.
   */
  readiness(): AccountReadiness[];
  /** Reads the owner's state-store fields of {@link AccountStatus.readiness} afresh. */
  refresh(): Promise<void>;
  /** Clock times of the last inbound message and the last delivered one (for `/metrics`). */
  activity(): { lastInboundAt: number | undefined; lastOutboundAt: number | undefined };
}

/** Creates the {@link AccountStatus} of one watcher. */
export function createAccountStatus(options: AccountStatusOptions): AccountStatus {
  const { accountId, client, outbox } = options;
  let lastInboundAt: number | undefined;
  let lastOutboundAt: number | undefined;
  let lastDeliveryError: string | undefined;

  const stateOf = (): AccountReadiness["state"] => {
    switch (client.state.status) {
      case "ready":
        // Running means watching: until the subscription is confirmed, new messages could be missed.
        return options.watching() ? "running" : "starting";
      case "backoff":
        return "backoff";
      case "stopped":
      case "failed":
        return "stopped";
      default:
        return "starting";
    }
  };

  /** The owner's fields read from the state store, as of the last refresh. */
  let stored: Partial<AccountReadiness> = {};
  let refreshing: Promise<void> | undefined;

  const readStored = async (): Promise<Partial<AccountReadiness>> => {
    const report: Partial<AccountReadiness> = await pendingTurnReport(options.pendingTurns, accountId);
    const uncertain = await uncertainEntries(outbox, accountId);
    if (uncertain.length > 0) {
      report.uncertainDeliveries = uncertain.length;
      report.uncertainAdvice = `${uncertain.length} reply(ies) ${UNCERTAIN_ADVICE} (outbox ids ${uncertain
        .slice(-5)
        .map((entry) => entry.id)
        .join(", ")})`;
    }
    const gate = options.gate?.();
    if (gate) {
      const paused = await gate.paused();
      if (paused) {
        report.paused = {
          since: new Date(paused.pausedAt).toISOString(),
          scope: paused.scope,
          ...(paused.reason !== undefined ? { reason: paused.reason } : {}),
        };
      }
      const held = await heldReport(outbox, accountId, await gate.accountHold(), options.clock);
      if (held) report.held = held;
    }
    return report;
  };

  const ownerFields = (report: AccountReadiness) => {
    Object.assign(report, stored);
    const degraded = options.health?.degraded();
    if (degraded) report.degraded = degraded;
    const deaf = options.deafStreamRecoveries?.() ?? 0;
    if (deaf > 0) report.deafStreamRecoveries = deaf;
  };

  return {
    noteInbound(at) {
      lastInboundAt = at;
    },
    noteOutbound(at) {
      lastOutboundAt = at;
    },
    noteDeliveryError(message) {
      lastDeliveryError = message;
    },
    activity: () => ({ lastInboundAt, lastOutboundAt }),
    refresh() {
      // Concurrent callers share one read.
      refreshing ??= readStored()
        .then((report) => {
          stored = report;
        })
        .finally(() => {
          refreshing = undefined;
        });
      return refreshing;
    },
    readiness() {
      const state = client.state;
      const caps = state.capabilities;
      return options.accountIds.map((id) => {
        const report: AccountReadiness = {
          accountId: id,
          state: stateOf(),
          transport: options.transportKind,
          restarts: state.restarts,
        };
        if (caps) {
          report.imsgVersion = caps.version;
          report.capabilities = [...caps.methods].sort();
        }
        if (lastInboundAt !== undefined) report.lastInboundAt = new Date(lastInboundAt).toISOString();
        if (lastOutboundAt !== undefined) report.lastOutboundAt = new Date(lastOutboundAt).toISOString();
        const lastError = state.lastError?.message ?? lastDeliveryError;
        if (lastError) report.lastError = lastError;
        if (state.nextRetryAt !== undefined) report.nextRetryAt = new Date(state.nextRetryAt).toISOString();
        if (state.status === "backoff") {
          const fix = options.fix?.(state.lastError);
          if (fix) report.fix = fix;
        }
        if (state.failures > 0) report.failures = state.failures;
        if (id === accountId) ownerFields(report);
        return report;
      });
    },
  };
}

/** How often an account's state-store status fields are read again (besides on every control-API read). */
const STATUS_REFRESH_MS = 5_000;

/**
 * Keeps `status`'s state-store fields fresh: read now and every few seconds (a failed read is logged and the
 * last report kept). `refresh` reads at once (a control-API request); `stop` ends the timer.
 */
export function keepStatusFresh(
  status: Pick<AccountStatus, "refresh">,
  logger: Logger,
): { refresh(): Promise<void>; stop(): void } {
  const refresh = () =>
    status
      .refresh()
      .catch((error: unknown) => logger.warn({ err: error }, "account status: cannot read the state store"));
  const timer = setInterval(() => void refresh(), STATUS_REFRESH_MS);
  timer.unref();
  void refresh();
  return { refresh, stop: () => clearInterval(timer) };
}
