import type { Clock } from "@imgate/channel-core";
import type { GatewayMetrics } from "./metrics/gateway-metrics.ts";
import type { AccountRuntime } from "./pipeline/account-runtime.ts";
import type { CoreServices } from "./pipeline/core-services.ts";

/** Registers the metrics read from the running accounts and the state store at scrape time. */
export function registerRuntimeMetrics(
  metrics: GatewayMetrics,
  runtimes: ReadonlyMap<string, { runtime: AccountRuntime }>,
  core: CoreServices,
  clock: Clock,
): void {
  // Lines imsg-rpc skipped before they could become messages (counted there, exposed here by reason).
  metrics.registry.collectedCounter(
    "imgate_imsg_lines_dropped_total",
    "Lines from imsg dropped before parsing, by reason (oversized, invalid UTF-8, invalid JSON, failed validation).",
    () =>
      [...runtimes.values()].flatMap(({ runtime }) => {
        const stats = runtime.transportStats();
        const account = runtime.accountIds.join(",");
        return [
          { labels: { account, reason: "oversized" }, value: stats.oversizedLines },
          { labels: { account, reason: "invalid-utf8" }, value: stats.invalidUtf8 },
          { labels: { account, reason: "invalid-json" }, value: stats.invalidJson },
          { labels: { account, reason: "invalid-message" }, value: stats.validationErrors },
        ];
      }),
  );

  metrics.registry.collectedGauge(
    "imgate_agent_turns_pending",
    "Agent turns kept pending after failures, waiting for another attempt (messages.agentRetryMs).",
    () =>
      core.pendingTurns.countPending().map(({ accountId, agentId, count }) => ({
        labels: { account: accountId, agent: agentId },
        value: count,
      })),
  );

  // Liveness per account (issue 15): a gateway that looks healthy but hears or sends nothing shows here.
  const ages = (pick: "lastInboundAt" | "lastOutboundAt") => () => {
    const now = clock.now();
    return [...runtimes.values()].flatMap(({ runtime }) => {
      const at = runtime.activity()[pick];
      return at === undefined
        ? []
        : [{ labels: { account: runtime.accountIds[0] ?? "" }, value: (now - at) / 1000 }];
    });
  };
  metrics.registry.collectedGauge(
    "imgate_last_inbound_age_seconds",
    "Seconds since the account's last inbound message (absent until one arrived).",
    ages("lastInboundAt"),
  );
  metrics.registry.collectedGauge(
    "imgate_last_send_age_seconds",
    "Seconds since the account's last successful send (absent until one went out).",
    ages("lastOutboundAt"),
  );
  metrics.registry.collectedGauge(
    "imgate_account_paused",
    "1 while outbound sending of the account is paused (imgate pause), else 0.",
    () =>
      [...runtimes.values()].flatMap(({ runtime }) =>
        runtime.accountIds.map((account) => ({
          labels: { account },
          value: core.pauses.stateOf("imessage", account) ? 1 : 0,
        })),
      ),
  );
  metrics.registry.collectedGauge(
    "imgate_outbound_held",
    "Outbound messages held in the outbox right now, by reason.",
    () =>
      [...runtimes.values()].flatMap(({ runtime }) =>
        Object.entries(runtime.readiness()[0]?.held?.byReason ?? {}).map(([reason, count]) => ({
          labels: { account: runtime.accountIds[0] ?? "", reason },
          value: count,
        })),
      ),
  );
}
