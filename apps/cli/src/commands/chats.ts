/** `imgate chats [--limit N] [--account ID] [--json]`: recent chats through a one-shot imsg client. */
import { z } from "zod";
import { loadConfig } from "../cli-config.ts";
import { ExitCode } from "../cli-error.ts";
import { selectAccount, withImsgClient } from "../imsg-session.ts";
import { renderTable, writeJson, writeLines } from "../output.ts";
import { parseLimit } from "../parse-limit.ts";

const optionsSchema = z.object({
  config: z.string().optional(),
  json: z.boolean().optional(),
  limit: z.string(),
  account: z.string().min(1).optional(),
});

/** Lists chats, newest activity first. */
export async function runChats(rawOptions: unknown): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  const limit = parseLimit(options.limit);
  const loaded = await loadConfig(options.config);
  const account = await selectAccount(loaded, options.account);
  const chats = await withImsgClient(account, (client) => client.chatsList({ limit }));
  if (options.json) {
    writeJson(chats);
    return ExitCode.ok;
  }
  if (chats.length === 0) {
    writeLines(["No chats yet."]);
    return ExitCode.ok;
  }
  writeLines([
    ...renderTable(
      [
        { header: "Target", cell: (c) => `chat_id:${c.id}` },
        { header: "Kind", cell: (c) => (c.is_group ? "group" : "direct") },
        { header: "Name", cell: (c) => c.name || c.identifier },
        {
          header: "Last message",
          cell: (c) => (c.last_message_at ?? "").replace("T", " ").replace(/\.\d+Z$/, "Z"),
        },
        { header: "Participants", cell: (c) => c.participants.join(", ") },
      ],
      chats,
    ),
  ]);
  return ExitCode.ok;
}
