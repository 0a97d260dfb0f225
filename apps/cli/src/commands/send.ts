/** `imgate send <target> [text] [--file PATH] [--account ID]`. */
import { existsSync } from "node:fs";
import { z } from "zod";
import { loadConfig } from "../cli-config.ts";
import { ExitCode, UsageError } from "../cli-error.ts";
import { writeJson, writeLines } from "../output.ts";
import { sendMessage } from "../send-message.ts";

const optionsSchema = z.object({
  config: z.string().optional(),
  json: z.boolean().optional(),
  file: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
});

/** Sends one message; exit 0 once imsg (or the gateway's outbox) accepted it. */
export async function runSend(
  target: string,
  text: string | undefined,
  rawOptions: unknown,
): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  if (!text && !options.file)
    throw new UsageError('Nothing to send; give the text (imgate send TARGET "hello") or --file PATH.');
  if (options.file && !existsSync(options.file)) {
    throw new UsageError(`The file ${options.file} does not exist; check the --file path.`);
  }
  const loaded = await loadConfig(options.config);
  const outcome = await sendMessage(loaded, {
    target,
    ...(text ? { text } : {}),
    ...(options.file ? { file: options.file } : {}),
    ...(options.account ? { accountId: options.account } : {}),
  });
  if (options.json) writeJson({ target, ...outcome });
  else
    writeLines([
      `${outcome.status === "queued" ? "Queued" : "Sent"} to ${target} (account ${outcome.accountId}, via ${outcome.via}).`,
    ]);
  return ExitCode.ok;
}
