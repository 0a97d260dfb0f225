import { appleNsToIso } from "./apple-time.ts";
import { isGroupChat } from "./chat-directory.ts";
import type { ChatRow } from "./message-store.ts";

/** RPC `chats.list` chat object of imsg 0.9.0 (§4, the reduced `chatPayload`). */
export interface RpcChatPayload {
  id: number;
  identifier: string;
  guid: string;
  name: string;
  service: string;
  last_message_at: string;
  participants: string[];
  is_group: boolean;
}

/** CLI `chats --json` and RPC `chats.list` ≥0.14 (`ChatPayload`, §4): guid omitted when empty. */
export interface FullChatPayload {
  id: number;
  identifier: string;
  guid?: string;
  name: string;
  service: string;
  last_message_at: string;
  participants: string[];
  is_group: boolean;
  display_name?: string;
  account_id?: string;
  account_login?: string;
  last_addressed_handle?: string;
  unread_count?: number;
}

/** `group --json` / `chats.get` (`GroupPayload`, §4). */
export interface GroupPayload {
  id: number;
  identifier: string;
  guid: string;
  name: string;
  service: string;
  is_group: boolean;
  participants: string[];
  account_id?: string;
  account_login?: string;
  last_addressed_handle?: string;
}

/** The fields every chat payload starts with, in imsg's order. */
function chatBase(chat: ChatRow): Pick<RpcChatPayload, "id" | "identifier" | "guid" | "name" | "service"> {
  return {
    id: chat.id,
    identifier: chat.identifier,
    guid: chat.guid,
    name: chat.name,
    service: chat.service,
  };
}

/** Builds the 0.9.0 RPC chat object. */
export function rpcChatPayload(chat: ChatRow, lastDate: bigint, participants: string[]): RpcChatPayload {
  return {
    ...chatBase(chat),
    last_message_at: appleNsToIso(lastDate),
    participants,
    is_group: isGroupChat(chat),
  };
}

function accountFields(
  chat: ChatRow,
): Pick<GroupPayload, "account_id" | "account_login" | "last_addressed_handle"> {
  const out: Pick<GroupPayload, "account_id" | "account_login" | "last_addressed_handle"> = {};
  if (chat.accountId) out.account_id = chat.accountId;
  if (chat.accountLogin) out.account_login = chat.accountLogin;
  if (chat.lastAddressedHandle) out.last_addressed_handle = chat.lastAddressedHandle;
  return out;
}

/** Builds the full `ChatPayload`; `unreadCount` is added when given (0.13+). */
export function fullChatPayload(
  chat: ChatRow,
  lastDate: bigint,
  participants: string[],
  unreadCount?: number,
): FullChatPayload {
  const out: FullChatPayload = {
    ...rpcChatPayload(chat, lastDate, participants),
    display_name: chat.name,
    ...accountFields(chat),
  };
  // imsg leaves an empty guid out; deleting keeps the other keys in their order.
  if (chat.guid === "") delete out.guid;
  if (unreadCount !== undefined) out.unread_count = unreadCount;
  return out;
}

/** Builds the `GroupPayload`. */
export function groupPayload(chat: ChatRow, participants: string[]): GroupPayload {
  return {
    ...chatBase(chat),
    is_group: isGroupChat(chat),
    participants,
    ...accountFields(chat),
  };
}
