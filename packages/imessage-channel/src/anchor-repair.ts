/**
 * `chat_id: 0` rows (imsg ≤ 0.9 all-chat watch, protocol §2.4, imsg#118): the row was read before
 * Messages joined it to a chat. Such a row is re-read by guid through `messages.history` over the most
 * recent chats; if it cannot be found it is dropped (fail closed) — never answered as a DM.
 */
import type { ImsgMessage, ImsgPort } from "./imsg-port.ts";

/** Options of {@link repairAnchorlessMessage}. */
export interface AnchorRepairOptions {
  /** How many recent chats to scan. Default 20. */
  chatScanLimit?: number;
  /** How many recent messages to read per chat. Default 50. */
  historyLimit?: number;
  /** Waits before each further attempt (ms); the join may be written late. Default `[250, 1000, 2500]`. */
  retryDelaysMs?: readonly number[];
  /** Sleep function (injectable for tests). Default `setTimeout`. */
  delay?: (ms: number) => Promise<void>;
}

const defaultDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function findOnce(message: ImsgMessage, port: ImsgPort, chats: number, limit: number) {
  for (const chat of await port.listChats({ limit: chats })) {
    const rows = await port.history({ chat_id: chat.id, limit });
    const row = rows.find((candidate) => candidate.guid === message.guid);
    if (row) {
      return {
        ...message,
        chat_id: chat.id,
        chat_identifier: row.chat_identifier ?? chat.identifier,
        chat_guid: row.chat_guid ?? chat.guid ?? "",
        chat_name: row.chat_name ?? chat.name ?? "",
        participants: row.participants ?? chat.participants ?? [],
        is_group: row.is_group || chat.is_group,
      } satisfies ImsgMessage;
    }
  }
  return undefined;
}

/**
 * The message with its chat fields filled in, or `undefined` when its chat cannot be found (the caller
 * drops it). Messages that already have a chat are returned unchanged.
 */
export async function repairAnchorlessMessage(
  message: ImsgMessage,
  port: Pick<ImsgPort, "listChats" | "history">,
  options: AnchorRepairOptions = {},
): Promise<ImsgMessage | undefined> {
  if (message.chat_id > 0) return message;
  if (!message.guid) return undefined;
  const delays = options.retryDelaysMs ?? [250, 1000, 2500];
  const delay = options.delay ?? defaultDelay;
  const chats = options.chatScanLimit ?? 20;
  const limit = options.historyLimit ?? 50;
  for (let attempt = 0; ; attempt++) {
    const found = await findOnce(message, port as ImsgPort, chats, limit);
    if (found) return found;
    const wait = delays[attempt];
    if (wait === undefined) return undefined;
    await delay(wait);
  }
}
