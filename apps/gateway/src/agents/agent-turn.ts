/**
 * What an agent backend receives for one inbound message, and what it returns. The turn is plain JSON
 * (it is written as-is to `exec` stdin and `webhook` bodies), so every field is serialisable.
 */

/** One earlier message in the session, oldest first. */
export interface AgentHistoryEntry {
  /** `user` for inbound messages, `assistant` for the agent's replies. */
  role: "user" | "assistant";
  /**
   * Assistant entries: the reply as sent. User entries: the message with the same envelope header as the
   * turn's `body` (`[iMessage <from> <time>] …`, in groups with `<sender>: `), files as short placeholders.
   * In groups, `history` ends at the agent's last reply: later messages are in the `body`'s block, once.
   */
  text: string;
  /** Normalised sender handle of a user entry. */
  sender?: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
}

/** Why a file that came with the message is not passed on. */
export type AgentAttachmentOmission = "too-large" | "missing" | "no-path";

/** A file that came with the message. */
export interface AgentAttachment {
  /** The sender's file name (imsg `transfer_name`). */
  name: string;
  /** MIME type (`application/octet-stream` when unknown); for a converted voice memo, the converted file's. */
  mimeType: string;
  /** Size of the local file in bytes when there is one, else the size the source reported. */
  sizeBytes: number;
  /** Local path of the fetched file; absent when it could not be fetched or was refused. */
  localPath?: string;
  /** SHA-256 (lower-case hex) of the local file's bytes; present exactly when `localPath` is. */
  sha256?: string;
  /** Transcript of an audio attachment when one came with it (Apple's own, reported by imsg as the text). */
  transcript?: string;
  /** Set when the file is not passed on: over `mediaMaxMb`, not on disk, or without a path. */
  omitted?: AgentAttachmentOmission;
}

/**
 * What happened in an event turn: a tapback (reaction) on an earlier message. It has no text of its own; the
 * agent may answer (a reply goes to the chat) or ignore it (an empty reply sends nothing).
 */
export interface AgentEvent {
  kind: "reaction";
  /** `love`, `like`, `dislike`, `laugh`, `emphasis`, `question` or `custom`. */
  reaction: string;
  /** The emoji of a custom reaction, when known. */
  emoji?: string;
  /** `true` when added, `false` when taken back. */
  added: boolean;
  /** Who reacted (normalised handle; also the turn's `sender`). */
  from: string;
  /** The message reacted to, as far as known; `fromMe` tells whether it is one of the agent's replies. */
  target: { id?: string; text?: string; fromMe?: boolean };
}

/** One turn handed to an agent backend. */
export interface AgentTurn {
  /** The agent answering (from `agents.list[].id`). */
  agentId: string;
  /** Session key, e.g. `agent:main:main` or `agent:main:imessage:group:42`. */
  sessionKey: string;
  channel: string;
  accountId: string;
  chatType: "direct" | "group";
  /** Conversation key within the account (the chat id for groups). */
  chatKey: string;
  /** Normalised sender (E.164 phone or lower-cased email). */
  sender: string;
  /** Sender exactly as the channel reported it. */
  senderRaw: string;
  chatName?: string;
  messageId: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  /** The message text exactly as received: no envelope, no history. */
  text: string;
  /** The text formatted for a model: envelope header, group history since the last reply, reply context. */
  body: string;
  /** Earlier messages of this session, oldest first, bounded by the history limits. */
  history: AgentHistoryEntry[];
  attachments: AgentAttachment[];
  /** Whether the agent was mentioned (always true for DMs). */
  wasMentioned: boolean;
  replyTo?: { id?: string; text: string; sender?: string };
  /** Set for an event turn (an inbound tapback): `text` is empty and `body` describes the event. */
  event?: AgentEvent;
  /**
   * The group's extra system prompt (`channels.imessage.groups.<chat_id|"*">.systemPrompt`); absent in DMs and
   * where none applies.
   */
  systemPrompt?: string;
}

/** A file of a rich reply: a local path (exec) or bytes with a file name (webhook, exec). */
export type AgentReplyFile = { path: string } | { name: string; data: Buffer };

/**
 * A backend's answer. An empty `text` means "no text"; with no `reaction` and no `files` either, no reply.
 * Only `exec` and `webhook` produce the rich fields (see `agent-reply-schema.ts`).
 */
export interface AgentReply {
  text: string;
  /** A tapback put on the inbound message. */
  reaction?: "love" | "like" | "dislike" | "laugh" | "emphasize" | "question";
  /** Send the text and files as an inline reply to the inbound message. */
  threaded?: boolean;
  /** Files sent after the text. */
  files?: AgentReplyFile[];
  /** Transcripts the backend made of the turn's voice memos: kept in the session history with the message. */
  transcripts?: string[];
}
