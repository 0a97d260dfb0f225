import { fullChatPayload, groupPayload } from "./chat-payload.ts";
import { intFlag, type ParsedFlags } from "./cli-args.ts";
import { DEFAULT_DB_PATH } from "./home-path.ts";
import { readMessageFilter } from "./message-filter.ts";
import { buildMessagePayload, type MessagePayload } from "./message-payload.ts";
import { OutputWriter } from "./output-writer.ts";
import { RpcContext } from "./rpc-context.ts";
import { RpcError } from "./rpc-error.ts";
import { Params } from "./rpc-params.ts";
import { SendService } from "./send-handlers.ts";
import { SimError } from "./sim-error.ts";
import type { SimOptions } from "./sim-options.ts";
import { cliStatus } from "./status-snapshot.ts";

/** Where CLI output goes. */
export interface CliIo {
  stdout: (text: string) => void;
}

function contextFor(options: SimOptions, flags: ParsedFlags): RpcContext {
  const out = new OutputWriter({
    sink: { write: () => true },
    escapeSlashes: false,
    faults: {
      exitAfterNotifications: null,
      garbageEvery: null,
      partialAfter: null,
      oversizedAfter: null,
      oversizedBytes: 0,
    },
    exit: () => {},
  });
  return new RpcContext(options, typeof flags.db === "string" ? flags.db : DEFAULT_DB_PATH, out);
}

function openOrThrow(ctx: RpcContext) {
  const failure = ctx.tryOpen();
  if (failure) throw new SimError("SIM_DB_UNAVAILABLE", failure);
  return ctx.database();
}

const json = (flags: ParsedFlags): boolean => flags.json === true || flags["json-output"] === true;

function cliMessage(payload: MessagePayload): Record<string, unknown> {
  const { chat_identifier, chat_guid, chat_name, participants, is_group, ...core } = payload;
  return core;
}

/** `imsg chats` (§1): chats with ≥1 message, newest first; `ChatPayload` per line with `--json`. */
export function runChats(options: SimOptions, flags: ParsedFlags, io: CliIo): void {
  const ctx = contextFor(options, flags);
  try {
    const { store } = openOrThrow(ctx);
    for (const row of store.listChats(Math.max(1, intFlag(flags, "limit") ?? 20))) {
      const unread = options.compat === "0.15" ? store.unreadCount(row.id) : undefined;
      const payload = fullChatPayload(row, row.lastDate, store.participants(row.id), unread);
      io.stdout(
        json(flags)
          ? `${JSON.stringify(payload)}\n`
          : `[${row.id}] ${row.name || row.identifier} (${row.identifier}) last=${payload.last_message_at}\n`,
      );
    }
  } finally {
    ctx.close();
  }
}

/** `imsg history` (§1): newest first; JSON always carries attachments and reactions. */
export function runHistory(options: SimOptions, flags: ParsedFlags, io: CliIo): void {
  const chatId = intFlag(flags, "chat-id");
  if (chatId === undefined) throw new SimError("SIM_USAGE", "Missing required option: --chat-id");
  const ctx = contextFor(options, flags);
  try {
    const { store, chats } = openOrThrow(ctx);
    const filter = readMessageFilter(
      new Params({
        participants:
          typeof flags.participants === "string"
            ? flags.participants.split(/[\s,]+/).filter(Boolean)
            : undefined,
        start: flags.start,
        end: flags.end,
      }),
      options.compat,
    );
    const chat = chats.get(chatId);
    for (const row of store.history(chatId, Math.max(1, intFlag(flags, "limit") ?? 50), filter)) {
      const payload = buildMessagePayload(store, row, chatId, chat, { attachments: true, reactions: true });
      if (json(flags)) io.stdout(`${JSON.stringify(cliMessage(payload))}\n`);
      else
        io.stdout(`${payload.created_at} [${payload.is_from_me ? "me" : payload.sender}] ${payload.text}\n`);
    }
  } finally {
    ctx.close();
  }
}

/** `imsg send` (§1): same validation and rows as RPC `send`; prints `sent` / `{"status":"sent"}`. */
export async function runSend(options: SimOptions, flags: ParsedFlags, io: CliIo): Promise<void> {
  const ctx = contextFor(options, flags);
  try {
    openOrThrow(ctx);
    const values: Record<string, unknown> = {
      to: flags.to,
      chat_id: intFlag(flags, "chat-id"),
      chat_identifier: flags["chat-identifier"],
      chat_guid: flags["chat-guid"],
      text: flags.text,
      file: flags.file,
      service: flags.service,
      region: flags.region,
    };
    await new SendService(ctx).send(new Params(values));
    io.stdout(json(flags) ? '{"status":"sent"}\n' : "sent\n");
  } catch (error) {
    if (error instanceof RpcError) {
      throw new SimError("SIM_USAGE", typeof error.data === "string" ? error.data : error.data.detail, {
        cause: error,
      });
    }
    throw error;
  } finally {
    ctx.close();
  }
}

/** `imsg group` (§1): the `GroupPayload`; unknown id → `Chat not found: N`. */
export function runGroup(options: SimOptions, flags: ParsedFlags, io: CliIo): void {
  const chatId = intFlag(flags, "chat-id");
  if (chatId === undefined) throw new SimError("SIM_USAGE", "Missing required option: --chat-id");
  const ctx = contextFor(options, flags);
  try {
    const { chats } = openOrThrow(ctx);
    const info = chats.get(chatId);
    if (!info) throw new SimError("SIM_NOT_FOUND", `Chat not found: ${chatId}`);
    const payload = groupPayload(info.chat, info.participants);
    io.stdout(
      json(flags)
        ? `${JSON.stringify(payload)}\n`
        : `${payload.name || payload.identifier} (${payload.guid})\nparticipants: ${payload.participants.join(", ")}\n`,
    );
  } finally {
    ctx.close();
  }
}

/** `imsg status` (§1): one JSON line with `advanced_features:false`, `v2_ready:false`, `rpc_methods`. */
export function runStatus(options: SimOptions, flags: ParsedFlags, io: CliIo): void {
  const status = cliStatus(options, !options.fda);
  io.stdout(
    json(flags)
      ? `${JSON.stringify(status)}\n`
      : `imsg ${options.version}\nbasic features: yes\nadvanced features: no (imsg-sim)\n`,
  );
}
