/**
 * Params and results of the client's typed methods: the union of what the 0.9 and 0.15 families
 * accept. The client drops keys the connected version does not know before sending.
 */
import type { z } from "zod";
import type { imsg09 } from "./v0-9.ts";
import type { imsg015 } from "./v0-15.ts";

type Params<M> = M extends { params: z.ZodType<infer P> } ? P : never;
type Result<M> = M extends { result: z.ZodType<infer R> } ? R : never;

/** `chats.list` params. */
export type ChatsListParams = Params<typeof imsg09.chatsList> & Params<typeof imsg015.chatsList>;
/** `chats.get` params (one of `chat_id`, `chat_identifier`, `chat_guid`). */
export type ChatsGetParams = Params<typeof imsg015.chatsGet>;
/** `messages.history` params. */
export type MessagesHistoryParams = Params<typeof imsg09.messagesHistory> &
  Params<typeof imsg015.messagesHistory>;
/** `messages.after` params. */
export type MessagesAfterParams = Params<typeof imsg015.messagesAfter>;
/** `messages.after` result: persist `next_rowid` after each page, continue while `has_more`. */
export type MessagesAfterResult = Result<typeof imsg015.messagesAfter>;
/** `send` params: `to`, or exactly one of `chat_id` / `chat_identifier` / `chat_guid`; `text` and/or `file`. */
export type SendParams = Params<typeof imsg09.send> & Params<typeof imsg015.send>;
/** `send.tracked` params: a text send plus a UUID `attempt_id`. */
export type SendTrackedParams = Params<typeof imsg015.sendTracked>;
/** `send.tracked` result. */
export type SendTrackedResult = Result<typeof imsg015.sendTracked>;
/** `message.send_status` params. */
export type MessageSendStatusParams = Params<typeof imsg015.messageSendStatus>;
/** `message.send_status` result. */
export type MessageSendStatus = Result<typeof imsg015.messageSendStatus>;
/** `typing` params (bridge): a chat target and `typing` (default true; false clears the bubble). */
export type TypingParams = Params<typeof imsg015.typing>;
/** `read` params (bridge): a chat target whose messages are marked read. */
export type ReadParams = Params<typeof imsg015.read>;
/** `tapback` params (bridge-only): a chat target, the target message's guid and one of the six reactions. */
export type TapbackParams = Params<typeof imsg015.tapback>;
/** `tapback` result. */
export type TapbackResult = Result<typeof imsg015.tapback>;
