/**
 * Entry point of `bin/imsg-sim`: test-side tools that write to a chat.db from another process.
 *   imsg-sim inject --db P --from H --text T [--chat-identifier chatNNN --group --name N] [--attachment PATH]
 *                   [--attributed-only] [--guid G] [--json] …
 *   imsg-sim seed --db P --messages N [--chats C] [--json]
 */
import { setTimeout as sleep } from "node:timers/promises";
import { intFlag, parseCommandArgs } from "./cli-args.ts";
import { DEFAULT_DB_PATH } from "./home-path.ts";
import { SimError } from "./sim-error.ts";
import { resolveSimOptions } from "./sim-options.ts";

const HELP = `imsg-sim — write to an imsg-sim chat.db from another process

  imsg-sim inject --db PATH --from HANDLE --text TEXT [--chat-identifier ID [--group] [--name NAME]
                  [--participants a,b]] [--attachment PATH [--audio | --audio-transcript TEXT]] [--attributed-only] [--guid GUID] [--service iMessage|SMS]
                  [--unjoined | --late-join-ms N] [--url-preview] [--reaction love|like|… --reacted-to GUID [--remove-reaction]]
                  [--reply-to GUID] [--reply-to-guid GUID] [--date ISO-8601|UNIX_MS] [--json]
  imsg-sim seed --db PATH --messages N [--chats C] [--json]
`;

const INJECT_OPTIONS = {
  from: { type: "string" },
  text: { type: "string" },
  "chat-identifier": { type: "string" },
  group: { type: "boolean" },
  name: { type: "string" },
  participants: { type: "string" },
  attachment: { type: "string" },
  audio: { type: "boolean" },
  "audio-transcript": { type: "string" },
  "attributed-only": { type: "boolean" },
  guid: { type: "string" },
  service: { type: "string" },
  unjoined: { type: "boolean" },
  "late-join-ms": { type: "string" },
  "url-preview": { type: "boolean" },
  reaction: { type: "string" },
  "reacted-to": { type: "string" },
  "remove-reaction": { type: "boolean" },
  "reply-to": { type: "string" },
  date: { type: "string" },
  "reply-to-guid": { type: "string" },
} as const;

const SEED_OPTIONS = { messages: { type: "string" }, chats: { type: "string" } } as const;

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** `--date`: the send date as Unix ms or an ISO-8601 time with a zone (e.g. a late-synced old message). */
function dateFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^-?\d+$/.test(value)
    ? Number(value)
    : /(Z|[+-]\d\d:?\d\d)$/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (!Number.isSafeInteger(ms)) {
    throw new SimError(
      "SIM_USAGE",
      `--date ${value}: expected Unix milliseconds or an ISO-8601 time with a zone, e.g. 2015-06-01T10:00:00Z`,
    );
  }
  return ms;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || rest.includes("--help")) {
    process.stdout.write(HELP);
    return 0;
  }
  const options = resolveSimOptions(process.env);
  if (command === "inject") {
    const { flags } = parseCommandArgs(rest, INJECT_OPTIONS);
    const from = str(flags.from);
    if (!from) throw new SimError("SIM_USAGE", "inject needs --from HANDLE");
    const dbPath = str(flags.db) ?? DEFAULT_DB_PATH;
    const lateJoinMs = intFlag(flags, "late-join-ms") ?? options.quirks.lateJoinMs;
    const { injectMessage, joinInjectedMessage } = await import("./inject-message.ts");
    const reaction = str(flags.reaction);
    const result = injectMessage(dbPath, {
      from,
      text: str(flags.text) ?? "",
      chatIdentifier: str(flags["chat-identifier"]),
      group: flags.group === true,
      name: str(flags.name),
      participants: str(flags.participants)?.split(",").filter(Boolean) ?? [],
      attachment: str(flags.attachment),
      audio: str(flags["audio-transcript"]) ?? (flags.audio === true ? true : undefined),
      attributedOnly: flags["attributed-only"] === true,
      guid: str(flags.guid),
      service: str(flags.service) === "SMS" ? "SMS" : "iMessage",
      unjoined: flags.unjoined === true || lateJoinMs > 0,
      urlPreview:
        flags["url-preview"] === true ||
        (options.quirks.urlPreviewDupes && /https?:\/\//i.test(str(flags.text) ?? "")),
      reaction:
        reaction === undefined ? undefined : /^\d+$/.test(reaction) ? Number(reaction) : (reaction as "love"),
      reactedTo: str(flags["reacted-to"]),
      removeReaction: flags["remove-reaction"] === true,
      replyTo: str(flags["reply-to"]),
      dateMs: dateFlag(str(flags.date)),
      replyToGuid: str(flags["reply-to-guid"]),
      selfHandle: options.selfHandle,
    });
    const line = JSON.stringify({
      id: result.id,
      guid: result.guid,
      chat_id: result.chatId,
      preview_id: result.previewId,
    });
    process.stdout.write(
      flags.json === true
        ? `${line}\n`
        : `injected message ${result.id} (${result.guid}) into chat ${result.chatId}\n`,
    );
    if (lateJoinMs > 0 && flags.unjoined !== true) {
      await sleep(lateJoinMs);
      joinInjectedMessage(dbPath, result.id, result.chatId);
      if (result.previewId !== undefined) joinInjectedMessage(dbPath, result.previewId, result.chatId);
    }
    return 0;
  }
  if (command === "seed") {
    const { flags } = parseCommandArgs(rest, SEED_OPTIONS);
    const messages = intFlag(flags, "messages");
    if (messages === undefined || messages < 1)
      throw new SimError("SIM_USAGE", "seed needs --messages N (N ≥ 1)");
    const { seedHistory } = await import("./seed-history.ts");
    const started = performance.now();
    const result = seedHistory(str(flags.db) ?? DEFAULT_DB_PATH, {
      messages,
      chats: intFlag(flags, "chats"),
      selfHandle: options.selfHandle,
    });
    const ms = Math.round(performance.now() - started);
    process.stdout.write(
      flags.json === true
        ? `${JSON.stringify({ ...result, ms })}\n`
        : `seeded ${result.messages} messages in ${result.chats} chats (rowids ${result.firstRowid}–${result.lastRowid}) in ${ms} ms\n`,
    );
    return 0;
  }
  process.stdout.write(`Unknown command: ${command}\n\n${HELP}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stdout.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
