/** `imgate history <target> [--limit N] [--json]`: a chat's recent messages, oldest first. */
import { z } from "zod";
import { loadConfig } from "../cli-config.ts";
import { CliError, ExitCode, UsageError } from "../cli-error.ts";
import { loadImessageChannel, type Target } from "../imessage-channel-api.ts";
import { selectAccount, withImsgClient } from "../imsg-session.ts";
import { writeJson, writeLines } from "../output.ts";
import { parseLimit } from "../parse-limit.ts";

const optionsSchema = z.object({
  config: z.string().optional(),
  json: z.boolean().optional(),
  limit: z.string(),
  account: z.string().min(1).optional(),
});

type Chat = import("@imgate/imsg-rpc").Chat;

/** Finds the chat a non-`chat_id` target means (guid, identifier, or the DM with a handle). */
function findChat(chats: readonly Chat[], target: Target) {
  switch (target.kind) {
    case "chat_id":
      return chats.find((c) => c.id === target.chatId);
    case "chat_guid":
      return chats.find((c) => c.guid === target.chatGuid);
    case "chat_identifier":
      return chats.find((c) => c.identifier === target.chatIdentifier);
    case "handle": {
      const handle = target.handle.toLowerCase();
      return chats.find(
        (c) =>
          !c.is_group &&
          (c.identifier.toLowerCase() === handle ||
            (c.participants.length === 1 && c.participants[0]?.toLowerCase() === handle)),
      );
    }
  }
}

/** Prints the chat's messages. */
export async function runHistory(targetText: string, rawOptions: unknown): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  const limit = parseLimit(options.limit);
  const loaded = await loadConfig(options.config);
  const account = await selectAccount(loaded, options.account);
  const { parseTarget } = await loadImessageChannel();
  let target: Target;
  try {
    target = parseTarget(targetText, { region: account.region });
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const messages = await withImsgClient(account, async (client) => {
    const notFound = () =>
      new CliError(
        "CLI_NOT_FOUND",
        `No chat matches ${targetText}; list chats with \`imgate chats\` and use chat_id:N.`,
      );
    let chatId: number;
    if (target.kind === "chat_id") {
      // An unknown chat id is an error like an unknown handle, not an empty history.
      const id = target.chatId;
      const exists = client.capabilities?.chatsGet
        ? await client.chatsGet({ chat_id: id }).then(
            () => true,
            (error: unknown) => {
              // imsg answers an unknown chat id with an error response (-32602 "Chat not found").
              if ((error as Error).name === "ImsgResponseError") return false;
              throw error;
            },
          )
        : (await client.chatsList({ limit: 10_000 })).some((chat) => chat.id === id);
      if (!exists) throw notFound();
      chatId = id;
    } else {
      const chat = findChat(await client.chatsList({ limit: 1000 }), target);
      if (!chat) throw notFound();
      chatId = chat.id;
    }
    return client.messagesHistory({ chat_id: chatId, limit });
  });
  // imsg answers newest first (imsg-protocol §2.4); people read oldest first.
  const ordered = [...messages].sort((a, b) => a.id - b.id);
  if (options.json) {
    writeJson(ordered);
    return ExitCode.ok;
  }
  if (ordered.length === 0) {
    writeLines([`No messages in ${targetText}.`]);
    return ExitCode.ok;
  }
  writeLines(
    ordered.map((m) => {
      const when = m.created_at.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, "");
      const who = m.is_from_me ? "me" : m.sender || "?";
      const files = m.attachments.length > 0 ? ` [${m.attachments.length} attachment(s)]` : "";
      return `${when}  ${who}: ${m.text}${files}`;
    }),
  );
  return ExitCode.ok;
}
