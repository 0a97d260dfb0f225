import type { GatewayMetrics } from "./metrics/gateway-metrics.ts";
import type { AccountRuntime } from "./pipeline/account-runtime.ts";
import type { CoreServices } from "./pipeline/core-services.ts";

/** Registers the metrics read from the running accounts and the state store at scrape time. */
export function registerRuntimeMetrics(
  metrics: GatewayMetrics,
  runtimes: ReadonlyMap<string, { runtime: AccountRuntime }>,
  core: CoreServices,
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
}
