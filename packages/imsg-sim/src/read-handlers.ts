import { fullChatPayload, groupPayload, rpcChatPayload } from "./chat-payload.ts";
import { readMessageFilter } from "./message-filter.ts";
import { buildMessagePayload, type MessagePayload } from "./message-payload.ts";
import type { RpcContext } from "./rpc-context.ts";
import { invalidParams } from "./rpc-error.ts";
import type { Params } from "./rpc-params.ts";
import { URL_BALLOON_BUNDLE_ID, UrlPreviewDeduper } from "./url-preview-deduper.ts";

const PREVIEW_WINDOW_NS = 90_000_000_000n;

function positiveLimit(ctx: RpcContext, params: Params, fallback: number, max?: number): number {
  const limit = params.int("limit");
  if (limit === undefined) return fallback;
  if (ctx.options.compat === "0.15" && limit < 1) throw invalidParams("limit must be a positive integer");
  const clamped = Math.max(1, limit);
  if (max !== undefined && clamped > max) {
    if (ctx.options.compat === "0.15") throw invalidParams(`limit must be at most ${max}`);
    return max;
  }
  return clamped;
}

/** `chats.list` (§2.4; the full `ChatPayload` with `unread_count` in 0.15, §2.9). */
export function chatsList(ctx: RpcContext, params: Params): { chats: unknown[] } {
  const { store } = ctx.database();
  const limit = positiveLimit(ctx, params, 20);
  const unreadOnly = params.bool("unread_only") === true;
  const rows = store.listChats(unreadOnly ? 10_000 : limit);
  const chats: unknown[] = [];
  for (const row of rows) {
    if (chats.length >= limit) break;
    const participants = store.participants(row.id);
    if (ctx.options.compat === "0.9") {
      chats.push(rpcChatPayload(row, row.lastDate, participants));
      continue;
    }
    const unread = store.unreadCount(row.id);
    if (unreadOnly && unread === 0) continue;
    chats.push(fullChatPayload(row, row.lastDate, participants, unread));
  }
  return { chats };
}

/** `messages.history` (§2.4): newest first, reactions summarised, unknown chat → empty list. */
export function messagesHistory(ctx: RpcContext, params: Params): { messages: MessagePayload[] } {
  const chatId = params.int("chat_id");
  if (chatId === undefined) throw invalidParams("chat_id is required");
  const filter = readMessageFilter(params, ctx.options.compat);
  const { store, chats } = ctx.database();
  const limit = positiveLimit(ctx, params, 50);
  const chat = chats.get(chatId);
  const attachments = params.bool("attachments") === true;
  const messages = store
    .history(chatId, limit, filter)
    .map((row) => buildMessagePayload(store, row, chatId, chat, { attachments, reactions: true }));
  return { messages };
}

/** `messages.after` (0.14+, §9): ROWID order, URL-preview rows coalesced, `next_rowid` may pass the last message. */
export function messagesAfter(
  ctx: RpcContext,
  params: Params,
): { messages: MessagePayload[]; next_rowid: number; has_more: boolean } {
  const since = params.int("since_rowid");
  if (since === undefined) throw invalidParams("since_rowid is required");
  if (since < 0) throw invalidParams("since_rowid must be >= 0");
  const { store, chats } = ctx.database();
  const limit = positiveLimit(ctx, params, 100, 500);
  const chatId = params.int("chat_id");
  const includeReactions = params.bool("include_reactions") === true;
  const rows = store.after(since, { chatId, includeReactions, limit: limit + 1 });
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const deduper = new UrlPreviewDeduper();
  const messages: MessagePayload[] = [];
  let next = since;
  for (const row of page) {
    next = row.rowid;
    const rowChat = row.chatId ?? 0;
    const payload = buildMessagePayload(store, row, rowChat, chats.get(rowChat), {
      attachments: params.bool("attachments") === true,
      reactions: includeReactions,
    });
    if (row.chatId === null || deduper.skip(row, payload)) continue;
    if (
      row.balloonBundleId === URL_BALLOON_BUNDLE_ID &&
      store.hasEarlierTwin(row, row.chatId, PREVIEW_WINDOW_NS)
    )
      continue;
    messages.push(payload);
  }
  return { messages, next_rowid: next, has_more: hasMore };
}

/** `chats.get` (0.15): the `GroupPayload` of one chat; unknown → -32602. */
export function chatsGet(ctx: RpcContext, params: Params): unknown {
  const chatId = params.int("chat_id");
  if (chatId === undefined) throw invalidParams("chat_id is required");
  const info = ctx.database().chats.get(chatId);
  if (!info) throw invalidParams(`Chat not found: ${chatId}`);
  return groupPayload(info.chat, info.participants);
}
