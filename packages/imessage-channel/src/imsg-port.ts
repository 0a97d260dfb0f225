/**
 * The slice of an imsg client that this package calls. `@imgate/imsg-rpc`'s client satisfies it (see
 * `imsgPortFromClient`); tests and the gateway may hand in anything with the same shape. Field names
 * follow imsg's wire format (protocol §3, §4, §9).
 */

import type {
  Attachment,
  Chat,
  Message,
  MessageSendStatus,
  SendParams,
  SendResult,
  SendTrackedResult,
  TapbackParams,
  TapbackResult,
} from "@imgate/imsg-rpc";

// The wire shapes are imsg-rpc's, inferred from its zod schemas (declared once, validated on arrival).

/** An attachment as imsg reports it (protocol §3.1). */
export type ImsgAttachment = Attachment;
/** A message as imsg reports it (protocol §3), after imsg-rpc's validation and defaults. */
export type ImsgMessage = Message;
/** A chat as imsg reports it (protocol §4). */
export type ImsgChat = Chat;
/** Parameters of imsg `send` (protocol §2.4, §9). Exactly one target key. */
export type ImsgSendParams = SendParams;
/** What a send returned: `id`/`guid` only when imsg observed the outgoing row. */
export type ImsgSendResult = SendResult;
/** `message.send_status` answer (0.15): `send_state` is `pending`, `sent`, `delivered` or `failed` (others count as unknown). */
export type ImsgSendStatus = MessageSendStatus;

/** The imsg calls this package needs. Optional members exist only on imsg versions that have them. */
export interface ImsgPort {
  /** `chats.list`. */
  listChats(params: { limit: number }): Promise<ImsgChat[]>;
  /** One chat by id (`chats.get` on 0.15, else from `chats.list`); `undefined` when imsg does not know it. */
  getChat?(chatId: number): Promise<ImsgChat | undefined>;
  /** `messages.history`, newest first. */
  history(params: { chat_id: number; limit: number }): Promise<ImsgMessage[]>;
  /** `send`. */
  send(params: ImsgSendParams): Promise<ImsgSendResult>;
  /** `send.tracked` (0.15 with the bridge): `attempt_id` becomes the message guid. */
  sendTracked?(params: ImsgSendParams & { attempt_id: string }): Promise<SendTrackedResult>;
  /** `tapback` (bridge-only): a reaction on the message `message_guid` in the targeted chat. */
  tapback?(params: TapbackParams): Promise<TapbackResult>;
  /** `message.send_status` (0.15). */
  sendStatus?(params: { guid: string }): Promise<ImsgSendStatus>;
  /** `typing` (imsg's bridge): shows or clears the typing bubble in a chat. */
  typing?(params: { chat_id: number; typing: boolean }): Promise<void>;
  /** `read` (imsg's bridge): marks a chat's messages read. */
  markRead?(params: { chat_id: number }): Promise<void>;
}
