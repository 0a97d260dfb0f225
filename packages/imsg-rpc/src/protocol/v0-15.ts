/**
 * The imsg 0.14–0.15 method surface (protocol §2.9, §9): strict params (unknown keys → -32602),
 * `initialize`/`status`, `messages.after`, `chats.get`, `send.tracked`, `message.send_status`,
 * `buffer_limit` on subscriptions; the bridge methods `typing` and `read` (usable only when `status.methods` lists
 * them: the IMCore bridge runs).
 */
import { z } from "zod";
import { defineMethod } from "./define-method.ts";
import { chatTargetParams, messageFilterParams, sendRoutingParams } from "./param-fields.ts";
import { chatSchema, messageSchema, sendResultSchema, statusSchema } from "./shapes.ts";

const textSend = {
  ...chatTargetParams,
  text: z.string().optional(),
  ...sendRoutingParams,
  reply_to: z.string().optional(),
  formatting: z.unknown().optional(),
  allow_sms_fallback: z.boolean().optional(),
};

/** 0.15 methods, keyed by the client's method names. */
export const imsg015 = {
  initialize: defineMethod(
    "initialize",
    z.strictObject({ protocol_version: z.literal(1).optional() }),
    statusSchema,
  ),
  status: defineMethod("status", z.strictObject({}), statusSchema),
  chatsList: defineMethod(
    "chats.list",
    z.strictObject({ limit: z.int().min(1).optional(), unread_only: z.boolean().optional() }),
    z.looseObject({ chats: z.array(chatSchema) }),
  ),
  chatsGet: defineMethod(
    "chats.get",
    z.strictObject(chatTargetParams),
    // imsg wraps the chat as `{chat}`; a bare chat is accepted too. Either way the result is the chat.
    z.union([z.looseObject({ chat: chatSchema }).transform((wrapped) => wrapped.chat), chatSchema]),
  ),
  messagesHistory: defineMethod(
    "messages.history",
    z.strictObject({
      chat_id: z.int(),
      limit: z.int().min(1).optional(),
      ...messageFilterParams,
    }),
    z.looseObject({ messages: z.array(messageSchema) }),
  ),
  messagesAfter: defineMethod(
    "messages.after",
    z.strictObject({
      since_rowid: z.int().min(0),
      chat_id: z.int().optional(),
      limit: z.int().min(1).max(500).optional(),
      attachments: z.boolean().optional(),
      convert_attachments: z.boolean().optional(),
      include_reactions: z.boolean().optional(),
    }),
    z.looseObject({ messages: z.array(messageSchema), next_rowid: z.int(), has_more: z.boolean() }),
  ),
  watchSubscribe: defineMethod(
    "watch.subscribe",
    z.strictObject({
      chat_id: z.int().optional(),
      since_rowid: z.int().optional(),
      ...messageFilterParams,
      convert_attachments: z.boolean().optional(),
      include_reactions: z.boolean().optional(),
      debounce_ms: z.int().min(0).optional(),
      buffer_limit: z.int().min(1).max(4096).optional(),
    }),
    z.looseObject({ subscription: z.int(), buffer_limit: z.int().optional() }),
  ),
  watchUnsubscribe: defineMethod(
    "watch.unsubscribe",
    z.strictObject({ subscription: z.int() }),
    z.looseObject({ ok: z.boolean().optional() }),
  ),
  send: defineMethod(
    "send",
    z.strictObject({
      ...textSend,
      file: z.string().optional(),
      transport: z.enum(["auto", "bridge", "applescript"]).optional(),
    }),
    sendResultSchema,
    "send",
  ),
  sendTracked: defineMethod(
    "send.tracked",
    z.strictObject({ ...textSend, attempt_id: z.string().min(1) }),
    z.looseObject({
      ok: z.boolean(),
      attempt_id: z.string().optional(),
      guid: z.string().optional(),
      message_id: z.union([z.number(), z.string()]).optional(),
    }),
    "send",
  ),
  typing: defineMethod(
    "typing",
    z.strictObject({
      ...chatTargetParams,
      typing: z.boolean().optional(),
      service: sendRoutingParams.service,
    }),
    z.looseObject({ ok: z.boolean().optional() }),
  ),
  read: defineMethod(
    "read",
    z.strictObject({ ...chatTargetParams, service: sendRoutingParams.service }),
    z.looseObject({ ok: z.boolean().optional() }),
  ),
  /** Bridge-only: a tapback on `message_guid` (protocol §2.4 bridge methods); listed in `status.methods` when usable. */
  tapback: defineMethod(
    "tapback",
    z.strictObject({
      ...chatTargetParams,
      message_guid: z.string().min(1),
      reaction: z.enum(["love", "like", "dislike", "laugh", "emphasize", "question"]),
      remove: z.boolean().optional(),
    }),
    z.looseObject({
      ok: z.boolean().optional(),
      reaction: z.string().optional(),
      guid: z.string().optional(),
    }),
    "send",
  ),
  messageSendStatus: defineMethod(
    "message.send_status",
    z.strictObject({ guid: z.string().min(1) }),
    z.looseObject({
      ok: z.boolean().optional(),
      guid: z.string(),
      send_state: z.string(),
      service: z.string().optional(),
      checked_at: z.string().optional(),
      delivered_at: z.string().optional(),
      status_fields: z.looseObject({}).nullable().optional(),
    }),
  ),
} as const;
