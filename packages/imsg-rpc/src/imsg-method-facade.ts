import type { ImsgMethodKey, ImsgMethodResult } from "./capabilities.ts";
import type { RequestOptions } from "./imsg-connection.ts";
import type {
  ChatsGetParams,
  ChatsListParams,
  MessageSendStatus,
  MessageSendStatusParams,
  MessagesAfterParams,
  MessagesAfterResult,
  MessagesHistoryParams,
  ReadParams,
  SendParams,
  SendTrackedParams,
  SendTrackedResult,
  TapbackParams,
  TapbackResult,
  TypingParams,
} from "./protocol/params.ts";
import type { Chat, ImsgStatus, Message, SendResult } from "./protocol/shapes.ts";

/** The typed imsg methods of an `ImsgClient`. */
export interface ImsgMethods {
  chatsList(params?: ChatsListParams, options?: RequestOptions): Promise<Chat[]>;
  /** 0.15+ (`capabilities.chatsGet`). */
  chatsGet(params: ChatsGetParams, options?: RequestOptions): Promise<Chat>;
  /** Newest first, as imsg returns them. */
  messagesHistory(params: MessagesHistoryParams, options?: RequestOptions): Promise<Message[]>;
  /** 0.14+ (`capabilities.messagesAfter`): ROWID order after `since_rowid`. */
  messagesAfter(params: MessagesAfterParams, options?: RequestOptions): Promise<MessagesAfterResult>;
  send(params: SendParams, options?: RequestOptions): Promise<SendResult>;
  /** 0.15 with the bridge (`capabilities.sendTracked`). */
  sendTracked(params: SendTrackedParams, options?: RequestOptions): Promise<SendTrackedResult>;
  /** Bridge-only, when `status.methods` lists `tapback`. */
  tapback(params: TapbackParams, options?: RequestOptions): Promise<TapbackResult>;
  /** `capabilities.sendStatus`. */
  messageSendStatus(params: MessageSendStatusParams, options?: RequestOptions): Promise<MessageSendStatus>;
  /** 0.14+: a fresh status snapshot. */
  status(options?: RequestOptions): Promise<ImsgStatus>;
  /** Bridge (`status.methods` lists `typing`): shows (`typing: true`) or clears the typing bubble in a chat. */
  typing(params: TypingParams, options?: RequestOptions): Promise<void>;
  /** Bridge (`status.methods` lists `read`): marks a chat's messages read (a read receipt). */
  read(params: ReadParams, options?: RequestOptions): Promise<void>;
}

/** Implements {@link ImsgMethods}: each method is one `call` of its method key. */
export abstract class ImsgMethodFacade implements ImsgMethods {
  /** Calls `key` in the peer's family; the result is parsed by that method's schema in the connection. */
  protected abstract call<K extends ImsgMethodKey>(
    key: K,
    params: object,
    options?: RequestOptions,
  ): Promise<ImsgMethodResult<K>>;

  chatsList(params: ChatsListParams = {}, options?: RequestOptions): Promise<Chat[]> {
    return this.call("chatsList", params, options).then((r) => r.chats);
  }

  chatsGet(params: ChatsGetParams, options?: RequestOptions): Promise<Chat> {
    return this.call("chatsGet", params, options);
  }

  messagesHistory(params: MessagesHistoryParams, options?: RequestOptions): Promise<Message[]> {
    return this.call("messagesHistory", params, options).then((r) => r.messages);
  }

  messagesAfter(params: MessagesAfterParams, options?: RequestOptions): Promise<MessagesAfterResult> {
    return this.call("messagesAfter", params, options);
  }

  send(params: SendParams, options?: RequestOptions): Promise<SendResult> {
    return this.call("send", params, options);
  }

  sendTracked(params: SendTrackedParams, options?: RequestOptions): Promise<SendTrackedResult> {
    return this.call("sendTracked", params, options);
  }

  tapback(params: TapbackParams, options?: RequestOptions): Promise<TapbackResult> {
    return this.call("tapback", params, options);
  }

  messageSendStatus(params: MessageSendStatusParams, options?: RequestOptions): Promise<MessageSendStatus> {
    return this.call("messageSendStatus", params, options);
  }

  status(options?: RequestOptions): Promise<ImsgStatus> {
    return this.call("status", {}, options);
  }

  typing(params: TypingParams, options?: RequestOptions): Promise<void> {
    return this.call("typing", params, options).then(() => undefined);
  }

  read(params: ReadParams, options?: RequestOptions): Promise<void> {
    return this.call("read", params, options).then(() => undefined);
  }
}
