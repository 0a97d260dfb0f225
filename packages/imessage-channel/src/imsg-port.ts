/**
 * The slice of an imsg client that this package calls. `@imgate/imsg-rpc`'s client satisfies it (see
 * `imsgPortFromClient`); tests and the gateway may hand in anything with the same shape. Field names
 * follow imsg's wire format (protocol §3, §4, §9).
 */

/** An attachment as imsg reports it (protocol §3.1). */
export interface ImsgAttachment {
  filename?: string;
  transfer_name?: string;
  mime_type?: string;
  total_bytes?: number;
  original_path?: string;
  missing?: boolean;
}

/** The message fields this package reads (protocol §3); imsg-rpc's `Message` is assignable to it. */
export interface ImsgMessage {
  /** chat.db ROWID. */
  id: number;
  /** 0 for rows not yet joined to a chat (imsg ≤ 0.9 all-chat watch). */
  chat_id: number;
  guid: string;
  sender: string;
  is_from_me: boolean;
  text: string;
  created_at: string;
  attachments?: ImsgAttachment[];
  chat_identifier?: string;
  chat_guid?: string;
  chat_name?: string;
  participants?: string[];
  is_group: boolean;
  reply_to_guid?: string;
  reply_to_text?: string;
  reply_to_sender?: string;
  destination_caller_id?: string;
  is_reaction?: boolean;
  reaction_type?: string;
  reaction_emoji?: string;
  is_reaction_add?: boolean;
  reacted_to_guid?: string;
  balloon_bundle_id?: string;
}

/** A chat as imsg reports it (protocol §4). */
export interface ImsgChat {
  id: number;
  identifier: string;
  guid?: string;
  name?: string;
  service?: string;
  participants?: string[];
  is_group: boolean;
}

/** Parameters of imsg `send` (protocol §2.4, §9). Exactly one target key. */
export interface ImsgSendParams {
  to?: string;
  chat_id?: number;
  chat_guid?: string;
  chat_identifier?: string;
  text?: string;
  file?: string;
  service?: "imessage" | "sms" | "auto";
  region?: string;
}

/** What a send returned: `id`/`guid` only when imsg observed the outgoing row. */
export interface ImsgSendResult {
  ok?: boolean;
  id?: number;
  guid?: string;
}

/** `message.send_status` answer (0.15). */
export interface ImsgSendStatus {
  guid: string;
  /** `pending`, `sent`, `delivered` or `failed` (newer imsg may add states; they count as unknown). */
  send_state: string;
}

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
  sendTracked?(params: ImsgSendParams & { attempt_id: string }): Promise<ImsgSendResult>;
  /** `message.send_status` (0.15). */
  sendStatus?(params: { guid: string }): Promise<ImsgSendStatus>;
}
