/** `imgate status`: the running gateway's readiness (`/readyz`), or how to start it. */
import { z } from "zod";
import { readConfigFile } from "../cli-config.ts";
import { ExitCode } from "../cli-error.ts";
import { callControlApi, controlApiAddress } from "../control-api-client.ts";
import { formatConfigHint } from "../format-config-hint.ts";
import { writeJson, writeLines } from "../output.ts";

const optionsSchema = z.object({ config: z.string().optional(), json: z.boolean().optional() });

const httpSchema = z
  .object({ host: z.string().optional(), port: z.number().optional(), tokenEnv: z.string().optional() })
  .partial()
  .optional()
  .catch(undefined);

/** A failed agent turn as the gateway lists it (pending retry or given up); unknown fields are ignored. */
const turnSummarySchema = z
  .object({
    sender: z.string().optional(),
    attempts: z.number().optional(),
    lastError: z.string().optional(),
    nextAttemptAt: z.string().optional(),
    reason: z.string().optional(),
    givenUpAt: z.string().optional(),
  })
  .passthrough();

/** The readiness document the gateway serves at `/readyz`; extra fields are kept and printed as JSON. */
const readinessSchema = z
  .object({
    ready: z.boolean().optional(),
    status: z.string().optional(),
    accounts: z
      .array(
        z
          .object({
            id: z.string().optional(),
            accountId: z.string().optional(),
            state: z.string().optional(),
            status: z.string().optional(),
            lastError: z.union([z.string(), z.object({ message: z.string() }).passthrough()]).nullish(),
            nextRetryAt: z.union([z.string(), z.number()]).nullish(),
            pendingTurns: z.number().optional().catch(undefined),
            pendingRetries: z.array(turnSummarySchema).optional().catch(undefined),
            givenUpTurns: z.array(turnSummarySchema).optional().catch(undefined),
            fix: z.string().optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();

/** `imgate status [--json]`. Exit 0 when the gateway runs and is ready, 1 otherwise. */
export async function runStatus(rawOptions: unknown): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  const file = await readConfigFile(options.config);
  const raw = file.raw as { gateway?: { http?: unknown } } | undefined;
  const address = controlApiAddress(httpSchema.parse(raw?.gateway?.http));
  const response = await callControlApi(address, "GET", "/readyz", undefined, { timeoutMs: 3_000 });

  if (!response) {
    const start = `imgate gateway${formatConfigHint(file)}`;
    if (options.json) writeJson({ running: false, url: address.baseUrl, start });
    else
      writeLines([
        `Gateway: not running (nothing listens on ${address.baseUrl}).`,
        `Start it with: ${start}`,
      ]);
    return ExitCode.failure;
  }
  const parsed = readinessSchema.safeParse(response.body);
  const ready = response.status === 200 && (parsed.success ? parsed.data.ready !== false : true);
  if (options.json) {
    writeJson({ running: true, ready, url: address.baseUrl, readiness: response.body });
    return ready ? ExitCode.ok : ExitCode.failure;
  }
  const lines = [
    `Gateway: running at ${address.baseUrl}, ${ready ? "ready" : `not ready (HTTP ${response.status})`}.`,
  ];
  if (parsed.success && parsed.data.accounts) {
    for (const account of parsed.data.accounts) {
      const id = account.accountId ?? account.id ?? "?";
      const state = account.state ?? account.status ?? "unknown";
      const error = typeof account.lastError === "string" ? account.lastError : account.lastError?.message;
      lines.push(`  imessage/${id}: ${state}${error ? ` — last error: ${error}` : ""}`);
      lines.push(...failedTurnLines(account));
      if (account.fix) lines.push(`    fix: ${account.fix}`);
    }
  } else if (!parsed.success || Object.keys(parsed.data).length === 0) {
    lines.push(`  ${JSON.stringify(response.body)}`);
  }
  writeLines(lines);
  return ready ? ExitCode.ok : ExitCode.failure;
}

type TurnSummary = z.output<typeof turnSummarySchema>;

/** Lines about an account's failing agent turns: those waiting for a retry and the recently given up. */
function failedTurnLines(account: {
  pendingTurns?: number | undefined;
  pendingRetries?: TurnSummary[] | undefined;
  givenUpTurns?: TurnSummary[] | undefined;
}): string[] {
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
