import { type AccountReadiness, readinessReportSchema } from "@imgate/gateway/control-api-types";
import type { ValidConfig } from "../../cli-config.ts";
import { callControlApi, controlApiAddress } from "../../control-api-client.ts";
import { parseGatewayReply } from "../../gateway-reply.ts";
import { check, type DoctorCheck } from "./doctor-check.ts";

/** Asks a running gateway (`GET /readyz`) which accounts are not running; fine when none runs. */
export async function checkRunningGateway(config: ValidConfig): Promise<DoctorCheck[]> {
  const address = controlApiAddress(config.gateway.http);
  let response: Awaited<ReturnType<typeof callControlApi>>;
  try {
    response = await callControlApi(address, "GET", "/readyz", undefined, { timeoutMs: 3_000 });
  } catch (error) {
    return [check("gateway", "fail", (error as Error).message, "Fix the token or restart the gateway.")];
  }
  if (!response)
    return [
      check("gateway", "ok", `gateway not running at ${address.baseUrl} (start it with \`imgate gateway\`)`),
    ];
  let accounts: AccountReadiness[] = [];
  try {
    // The report comes with 200 (ready) or 503 (not ready); other statuses carry no accounts.
    if (response.status === 200 || response.status === 503)
      accounts = parseGatewayReply(readinessReportSchema, response, "GET /readyz").accounts;
  } catch (error) {
    return [check("gateway", "fail", (error as Error).message, "Restart the gateway with this imgate.")];
  }
  const checks = [check("gateway", "ok", `gateway running at ${address.baseUrl}`)];
  for (const account of accounts) {
    checks.push(...safetyChecks(account));
    // A standby account is served by another gateway on the shared database: as it should be.
    if (account.state === "running" || account.state === "standby") continue;
    checks.push(
      check(
        `gateway.account.${account.accountId ?? "?"}`,
        "fail",
        `account ${account.accountId} is ${account.state}${account.lastError ? `: ${account.lastError}` : ""}`,
        account.fix ?? "Fix the cause named above; the gateway retries with backoff on its own.",
      ),
    );
  }
  return checks;
}

/** A running account that is paused (warn: on purpose, but nothing goes out) or degraded (fail: issue 15). */
function safetyChecks(account: AccountReadiness): DoctorCheck[] {
  const found: DoctorCheck[] = [];
  if (account.paused) {
    found.push(
      check(
        `gateway.account.${account.accountId}.paused`,
        "warn",
        `account ${account.accountId} is paused since ${account.paused.since}${account.held ? ` (${account.held.count} message(s) held)` : ""}: nothing is sent`,
        "Run `imgate resume` when it is safe to send again.",
      ),
    );
  }
  if (account.degraded) {
    found.push(
      check(
        `gateway.account.${account.accountId}.degraded`,
        "fail",
        `account ${account.accountId} is degraded: ${account.degraded.detail}`,
        account.degraded.fix,
      ),
    );
  }
  return found;
}
