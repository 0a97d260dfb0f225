/** `imgate send <target> [text] [--file PATH] [--account ID] [--no-wait] [--timeout SECONDS] [--json]`. */
import { existsSync } from "node:fs";
import { z } from "zod";
import { loadConfig } from "../cli-config.ts";
import { CliError, describeFailure, ExitCode, UsageError } from "../cli-error.ts";
import { writeJson, writeLines } from "../output.ts";
import { type SendOutcome, SendRefusedError, sendMessage } from "../send-message.ts";

const optionsSchema = z.object({
  config: z.string().optional(),
  json: z.boolean().optional(),
  file: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  /** Commander's `--no-wait`: `false` when given. */
  wait: z.boolean().default(true),
  timeout: z.string().optional(),
});

/** Longest `--timeout` (the control API's limit). */
const MAX_TIMEOUT_SECONDS = 120;

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return 10_000;
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UsageError(
      `--timeout must be a number of seconds between 1 and ${MAX_TIMEOUT_SECONDS}, not "${value}".`,
    );
  }
  return Math.round(seconds * 1000);
}

/** The line printed for an outcome (stdout when sent or queued, stderr otherwise). */
function describeOutcome(target: string, outcome: SendOutcome): string {
  const where = `account ${outcome.accountId}, via ${outcome.via}`;
  switch (outcome.status) {
    case "sent":
      return `Sent to ${target} (${where}).`;
    case "queued":
      return `Queued for ${target} (${where}); not waiting for the outcome (--no-wait): \`imgate status\` shows failed deliveries.`;
    case "uncertain":
      return `Not confirmed: ${outcome.error?.message ?? `the send to ${target} is still in the outbox.`}`;
    case "failed":
      return `Not sent: ${outcome.error?.message ?? `sending to ${target} failed.`}`;
    case "held":
      return `Not sent yet: ${outcome.error?.message ?? `held in the outbox for ${target}.`}`;
  }
}

/**
 * Sends one message and waits for the outcome: exit 0 when sent (or queued with `--no-wait`), 1 when it
 * failed, stayed uncertain or the chat does not exist, 2 for a malformed target. With `--json`, the
 * outcome — or the refusal — is one JSON document on stdout either way.
 */
export async function runSend(
  target: string,
  text: string | undefined,
  rawOptions: unknown,
): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  try {
    if (!text && !options.file)
      throw new UsageError('Nothing to send; give the text (imgate send TARGET "hello") or --file PATH.');
    if (options.file && !existsSync(options.file)) {
      throw new UsageError(`The file ${options.file} does not exist; check the --file path.`);
    }
    const waitMs = parseTimeout(options.timeout);
    const loaded = await loadConfig(options.config);
    const outcome = await sendMessage(loaded, {
      target,
      ...(text ? { text } : {}),
      ...(options.file ? { file: options.file } : {}),
      ...(options.account ? { accountId: options.account } : {}),
      wait: options.wait,
      waitMs,
    });
    // Held counts as accepted: it goes out later by itself, and a script that retried would send it twice.
    const ok = outcome.status === "sent" || outcome.status === "queued" || outcome.status === "held";
    if (options.json) writeJson({ target, ...outcome });
    else if (ok) writeLines([describeOutcome(target, outcome)]);
    else process.stderr.write(`imgate: ${describeOutcome(target, outcome)}\n`);
    return ok ? ExitCode.ok : ExitCode.failure;
  } catch (error) {
    if (!options.json) throw error;
    const { message, exitCode } = describeFailure(error);
    const code =
      error instanceof SendRefusedError
        ? error.reason
        : error instanceof CliError
          ? error.code
          : "CLI_FAILED";
    writeJson({ target, status: "refused", error: { code, message } });
    return exitCode;
  }
}
