/**
 * `imgate status`: the running gateway's readiness (`/readyz`), or how to start it; with
 * `gateway.state.postgres`, who holds each account's lease in the shared database.
 */

import { type AccountReadiness, readinessReportSchema } from "@imgate/gateway/control-api-types";
import { z } from "zod";
import { loadConfig, readConfigFile } from "../cli-config.ts";
import { ExitCode } from "../cli-error.ts";
import { callControlApi, controlApiAddress } from "../control-api-client.ts";
import { formatConfigHint } from "../format-config-hint.ts";
import { gatewayRefusal, parseGatewayReply } from "../gateway-reply.ts";
import { writeJson, writeLines } from "../output.ts";
import { leaseLines, readStatusLeases } from "./status-leases.ts";

const optionsSchema = z.object({ config: z.string().optional(), json: z.boolean().optional() });

const httpSchema = z
  .object({ host: z.string().optional(), port: z.number().optional(), tokenEnv: z.string().optional() })
  .partial()
  .optional()
  .catch(undefined);

/** `imgate status [--json]`. Exit 0 when the gateway runs and is ready, 1 otherwise. */
export async function runStatus(rawOptions: unknown): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  const file = await readConfigFile(options.config);
  const raw = file.raw as { gateway?: { http?: unknown } } | undefined;
  const address = controlApiAddress(httpSchema.parse(raw?.gateway?.http));
  // One after the other: loading the PostgreSQL client for the leases would hold up this process's event loop
  // while /readyz's timeout runs, and on a busy host a refused connection would be reported as a timeout.
  const response = await callControlApi(address, "GET", "/readyz", undefined, { timeoutMs: 3_000 });
  const leases = await readStatusLeases(file);
  const leaseJson = leases ? { leases } : {};

  if (!response) {
    const start = `imgate gateway${formatConfigHint(file)}`;
    const paused = await pausesInStateStore(options.config);
    if (options.json) writeJson({ running: false, url: address.baseUrl, start, paused, ...leaseJson });
    else
      writeLines([
        `Gateway: not running (nothing listens on ${address.baseUrl}).`,
        ...paused.map(
          (pause) =>
            `  imessage/${pause.accountId === "*" ? "* (every account)" : pause.accountId}: paused since ${pause.since}${pause.reason ? ` (${pause.reason})` : ""} — \`imgate resume\` to send again`,
        ),
        ...(leases ? leaseLines(leases) : []),
        `Start it with: ${start}`,
      ]);
    return ExitCode.failure;
  }
  // The report comes with 200 (ready) or 503 (not ready); any other status is a refusal.
  const readiness =
    response.status === 200 || response.status === 503
      ? parseGatewayReply(readinessReportSchema, response, "GET /readyz")
      : undefined;
  const ready = response.status === 200 && readiness?.ready === true;
  if (options.json) {
    writeJson({ running: true, ready, url: address.baseUrl, readiness: response.body, ...leaseJson });
    return ready ? ExitCode.ok : ExitCode.failure;
  }
  const lines = [
    `Gateway: running at ${address.baseUrl}, ${ready ? "ready" : `not ready (HTTP ${response.status})`}.`,
  ];
  if (readiness) {
    for (const account of readiness.accounts) {
      const error = account.lastError;
      lines.push(
        `  imessage/${account.accountId}: ${account.state}${account.servedBy ? ` (served by ${account.servedBy})` : ""}${error ? ` — last error: ${error}` : ""}`,
      );
      lines.push(...failedTurnLines(account));
      lines.push(...safetyLines(account));
      if (account.fix) lines.push(`    fix: ${account.fix}`);
    }
  } else {
    lines.push(`  ${gatewayRefusal(response)?.message ?? JSON.stringify(response.body)}`);
  }
  if (leases) lines.push(...leaseLines(leases));
  writeLines(lines);
  return ready ? ExitCode.ok : ExitCode.failure;
}

/** Lines about an account's failing agent turns: those waiting for a retry and the recently given up. */
function failedTurnLines(
  account: Pick<AccountReadiness, "pendingTurns" | "pendingRetries" | "givenUpTurns">,
): string[] {
  const lines: string[] = [];
  const oldest = account.pendingRetries?.[0];
  if (account.pendingTurns && oldest) {
    lines.push(
      `    agent turns pending retry: ${account.pendingTurns} — oldest from ${oldest.sender ?? "?"} (${oldest.attempts ?? 0} attempt(s), next at ${oldest.nextAttemptAt ?? "?"}): ${oldest.lastError ?? "?"}`,
    );
  }
  const latest = account.givenUpTurns?.[0];
  if (latest && account.givenUpTurns) {
    lines.push(
      `    agent turns given up: ${account.givenUpTurns.length} recent — latest from ${latest.sender ?? "?"} (${latest.reason ?? "?"}, at ${latest.givenUpAt ?? "?"}): ${latest.lastError ?? "?"}`,
    );
  }
  return lines;
}

/** Lines about the pause switch, held messages, a degraded account and deaf-stream recoveries (issue 15). */
function safetyLines(
  account: Pick<AccountReadiness, "paused" | "held" | "degraded" | "deafStreamRecoveries">,
): string[] {
  const lines: string[] = [];
  if (account.paused) {
    lines.push(
      `    paused since ${account.paused.since}${account.paused.scope === "all" ? " (every account)" : ""}${account.paused.reason ? `: ${account.paused.reason}` : ""} — nothing is sent; \`imgate resume\` releases it in order`,
    );
  }
  if (account.held) {
    const reasons = Object.entries(account.held.byReason)
      .map(([reason, count]) => `${count} ${reason}`)
      .join(", ");
    lines.push(`    held in the outbox: ${account.held.count} (${reasons})`);
    for (const entry of account.held.oldest) {
      lines.push(
        `      #${entry.outboxId} to ${entry.target}: ${entry.reason}${entry.until ? `, not before ${entry.until}` : ""}`,
      );
    }
  }
  if (account.degraded) {
    lines.push(`    degraded since ${account.degraded.since}: ${account.degraded.detail}`);
    lines.push(`    fix: ${account.degraded.fix}`);
  }
  if (account.deafStreamRecoveries) {
    lines.push(
      `    deaf watch recovered ${account.deafStreamRecoveries} time(s) (resubscribed; see the log)`,
    );
  }
  return lines;
}

/**
 * The pause switches in the configured state (for a gateway that does not run): the SQLite file, or the
 * PostgreSQL database the gateways share.
 */
async function pausesInStateStore(
  configFlag: string | undefined,
): Promise<{ accountId: string; since: string; reason?: string }[]> {
  try {
    const loaded = await loadConfig(configFlag);
    const { openStateBackend } = await import("../open-state-backend.ts");
    // A reader: it never migrates (a database no gateway has set up has no pauses), and gives up as soon as
    // the leases section does.
    const opened = await openStateBackend(loaded, { create: false, migrate: false, connectTimeoutMs: 3_000 });
    if (!opened) return [];
    try {
      return (await opened.backend.pauses.list("imessage")).map((record) => ({
        accountId: record.accountId,
        since: new Date(record.pausedAt).toISOString(),
        ...(record.reason !== undefined ? { reason: record.reason } : {}),
      }));
    } finally {
      await opened.close();
    }
  } catch {
    // An invalid config or an unreadable database is `imgate doctor`'s to explain (and the leases section
    // names an unreachable PostgreSQL); status stays short.
    return [];
  }
}
