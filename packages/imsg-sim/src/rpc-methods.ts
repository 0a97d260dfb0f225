import type { BridgeService } from "./bridge-handlers.ts";
import { chatsGet, chatsList, messagesAfter, messagesHistory } from "./read-handlers.ts";
import type { RpcContext } from "./rpc-context.ts";
import type { ParamSpec, Params } from "./rpc-params.ts";
import type { SendService } from "./send-handlers.ts";
import { statusSnapshot } from "./status-snapshot.ts";
import type { WatchService } from "./watch-handlers.ts";

/** Which 0.15 lane runs a method (§9 "Lanes"). */
export type Lane = "control" | "read" | "mutation";

/** Services a handler may use. */
export interface RpcServices {
  ctx: RpcContext;
  watch: WatchService;
  send: SendService;
  bridge: BridgeService;
}

/** One RPC method as the stand-in serves it. */
export interface RpcMethod {
  /** 0.9-only methods do not exist in 0.15 and vice versa; "both" exist in both. */
  modes: "both" | "0.15";
  lane: Lane;
  /** Needs the IMCore bridge: without it the call fails before its params are read (-32603 / -32003). */
  bridge?: true;
  params: ParamSpec;
  handle(services: RpcServices, params: Params): unknown;
}

const TARGET_FIELDS = {
  to: "string",
  chat_id: "int",
  chat_identifier: "string",
  chat_guid: "string",
  service: "string",
  region: "string",
} as const;

const CHAT_TARGET_FIELDS = {
  to: "string",
  chat_id: "int",
  chat_identifier: "string",
  chat_guid: "string",
} as const;

const SEND_ALIASES = {
  replyTo: "reply_to",
  reply_to_guid: "reply_to",
  message_guid: "reply_to",
  textFormatting: "text_formatting",
  formatting: "text_formatting",
  allowSMSFallback: "allow_sms_fallback",
} as const;

const database = (services: RpcServices): { path: string; ready: boolean; error?: string } => {
  const error = services.ctx.tryOpen();
  return { path: services.ctx.dbPath, ready: error === undefined, ...(error ? { error } : {}) };
};

/** Every method the stand-in implements, with its documented keys (§2.4, §9). */
export const RPC_METHODS: Readonly<Record<string, RpcMethod>> = {
  initialize: {
    modes: "0.15",
    lane: "control",
    params: { fields: { protocol_version: "int" } },
    handle: (s) => statusSnapshot(s.ctx.options, database(s)),
  },
  status: {
    modes: "0.15",
    lane: "control",
    params: { fields: {} },
    handle: (s) => statusSnapshot(s.ctx.options, database(s)),
  },
  "chats.list": {
    modes: "both",
    lane: "read",
    params: { fields: { limit: "int", unread_only: "bool" }, aliases: { unreadOnly: "unread_only" } },
    handle: (s, p) => chatsList(s.ctx, p),
  },
  "chats.get": {
    modes: "0.15",
    lane: "read",
    params: { fields: { chat_id: "int" } },
    handle: (s, p) => chatsGet(s.ctx, p),
  },
  "messages.history": {
    modes: "both",
    lane: "read",
    params: {
      fields: {
        chat_id: "int",
        limit: "int",
        participants: "strings",
        start: "string",
        end: "string",
        attachments: "bool",
        convert_attachments: "bool",
      },
    },
    handle: (s, p) => messagesHistory(s.ctx, p),
  },
  "messages.after": {
    modes: "0.15",
    lane: "read",
    params: {
      fields: {
        since_rowid: "int",
        chat_id: "int",
        limit: "int",
        attachments: "bool",
        convert_attachments: "bool",
        include_reactions: "bool",
      },
    },
    handle: (s, p) => messagesAfter(s.ctx, p),
  },
  "watch.subscribe": {
    modes: "both",
    lane: "control",
    params: {
      fields: {
        chat_id: "int",
        since_rowid: "int",
        participants: "strings",
        start: "string",
        end: "string",
        attachments: "bool",
        convert_attachments: "bool",
        include_reactions: "bool",
        debounce_ms: "int",
        buffer_limit: "int",
      },
      aliases: { debounceMs: "debounce_ms", bufferLimit: "buffer_limit" },
    },
    handle: (s, p) => s.watch.subscribe(p),
  },
  "watch.unsubscribe": {
    modes: "both",
    lane: "control",
    params: { fields: { subscription: "int" } },
    handle: (s, p) => s.watch.unsubscribe(p),
  },
  send: {
    modes: "both",
    lane: "mutation",
    params: {
      fields: {
        ...TARGET_FIELDS,
        text: "string",
        file: "string",
        transport: "string",
        reply_to: "string",
        text_formatting: "any",
        allow_sms_fallback: "bool",
      },
      aliases: SEND_ALIASES,
    },
    handle: (s, p) => s.send.send(p),
  },
  "send.tracked": {
    modes: "0.15",
    lane: "mutation",
    params: {
      fields: {
        ...TARGET_FIELDS,
        text: "string",
        attempt_id: "string",
        reply_to: "string",
        text_formatting: "any",
        allow_sms_fallback: "bool",
      },
      aliases: SEND_ALIASES,
    },
    handle: (s, p) => s.send.sendTracked(p),
  },
  typing: {
    modes: "both",
    lane: "mutation",
    bridge: true,
    params: { fields: { ...CHAT_TARGET_FIELDS, typing: "bool", service: "string", region: "string" } },
    handle: (s, p) => s.bridge.typing(p),
  },
  read: {
    modes: "both",
    lane: "mutation",
    bridge: true,
    params: { fields: { ...CHAT_TARGET_FIELDS, service: "string", region: "string" } },
    handle: (s, p) => s.bridge.read(p),
  },
  tapback: {
    modes: "both",
    lane: "mutation",
    bridge: true,
    params: {
      fields: {
        chat_id: "int",
        chat_identifier: "string",
        chat_guid: "string",
        message_guid: "string",
        reaction: "string",
        remove: "bool",
        part_index: "int",
      },
      aliases: { message_id: "message_guid", kind: "reaction" },
    },
    handle: (s, p) => s.bridge.tapback(p),
  },
  "message.send_status": {
    modes: "0.15",
    lane: "read",
    params: { fields: { guid: "string" } },
    handle: (s, p) => s.send.sendStatus(p),
  },
};
