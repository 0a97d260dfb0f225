import type { Clock } from "@imgate/channel-core";
import type { GatewayMetrics } from "./metrics/gateway-metrics.ts";
import type { AccountRuntime } from "./pipeline/account-runtime.ts";
import type { CoreServices } from "./pipeline/core-services.ts";

/**
 * Registers the metrics read from the running accounts and the state store at scrape time. The registry
 * collects synchronously: what comes from the state store is read by the returned `refresh()` (the control
 * API runs it before rendering `/metrics`).
 */
export function registerRuntimeMetrics(
  metrics: GatewayMetrics,
  runtimes: ReadonlyMap<string, { runtime: AccountRuntime }>,
  core: CoreServices,
  clock: Clock,
): { refresh(): Promise<void> } {
  /** The state-store values as of the last refresh. */
  let pendingCounts: Awaited<ReturnType<CoreServices["pendingTurns"]["countPending"]>> = [];
  let paused = new Set<string>();
  const refresh = async () => {
    const accounts = [...runtimes.values()].flatMap(({ runtime }) => [...runtime.accountIds]);
    const [counts, states] = await Promise.all([
      core.pendingTurns.countPending(),
      Promise.all(
        accounts.map(async (account) => [account, await core.pauses.stateOf("imessage", account)] as const),
      ),
      // The held counts come from the accounts' status reports.
      ...[...runtimes.values()].map(({ runtime }) => runtime.refreshStatus()),
    ]);
    pendingCounts = counts;
    paused = new Set(states.filter(([, state]) => state !== undefined).map(([account]) => account));
  };

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
      pendingCounts.map(({ accountId, agentId, count }) => ({
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
          value: paused.has(account) ? 1 : 0,
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
  return { refresh };
}
