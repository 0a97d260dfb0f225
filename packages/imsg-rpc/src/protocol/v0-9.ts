/**
 * The imsg 0.9 method surface (protocol §2.4): lenient params, `{subscription}` subscribe results,
 * no `initialize`/`status`. Params are declared strictly anyway so nothing undocumented is sent.
 */
import { z } from "zod";
import { defineMethod } from "./define-method.ts";
import { chatTargetParams, messageFilterParams, sendRoutingParams } from "./param-fields.ts";
import { chatSchema, messageSchema, sendResultSchema } from "./shapes.ts";

/** 0.9 methods, keyed by the client's method names. */
export const imsg09 = {
  chatsList: defineMethod(
    "chats.list",
    z.strictObject({ limit: z.int().min(1).optional() }),
    z.looseObject({ chats: z.array(chatSchema) }),
  ),
  messagesHistory: defineMethod(
    "messages.history",
    z.strictObject({
      chat_id: z.int(),
      limit: z.int().min(1).optional(),
      ...messageFilterParams,
      convert_attachments: z.boolean().optional(),
    }),
    z.looseObject({ messages: z.array(messageSchema) }),
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
    }),
    z.looseObject({ subscription: z.int() }),
  ),
  watchUnsubscribe: defineMethod(
    "watch.unsubscribe",
    z.strictObject({ subscription: z.int() }),
    z.looseObject({ ok: z.boolean().optional() }),
  ),
  send: defineMethod(
    "send",
    z.strictObject({
      ...chatTargetParams,
      text: z.string().optional(),
      file: z.string().optional(),
      ...sendRoutingParams,
      transport: z.enum(["auto", "bridge", "applescript"]).optional(),
    }),
    sendResultSchema,
    "send",
  ),
} as const;
