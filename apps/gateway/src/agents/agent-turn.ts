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
  /**
   * The group's extra system prompt (`channels.imessage.groups.<chat_id|"*">.systemPrompt`); absent in DMs and
   * where none applies.
   */
  systemPrompt?: string;
}

/** A backend's answer. An empty `text` means "no reply". */
export interface AgentReply {
  text: string;
  /** Transcripts the backend made of the turn's voice memos: kept in the session history with the message. */
  transcripts?: string[];
}
