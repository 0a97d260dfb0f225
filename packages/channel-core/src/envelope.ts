/**
 * The channel-agnostic inbound message. A channel (e.g. `@imgate/imessage-channel`) turns its native
 * message into an envelope; everything in channel-core works on envelopes only.
 */

/** Whether a conversation is one-to-one or a group (or a group-ish thread treated as one). */
export type ChatType = "direct" | "group";

/** A file that came with the message, described well enough for the agent and for fetching. */
export interface AttachmentDescriptor {
  /** Name the sender gave the file (e.g. `IMG_0001.heic`). */
  name: string;
  /** MIME type when known, else `application/octet-stream`. */
  mimeType: string;
  /** Size in bytes as reported by the source. */
  sizeBytes: number;
  /** Path on the machine that has the file (the remote Mac for remote setups). */
  sourcePath: string;
  /** Local path once fetched; absent until then (or when fetching was refused). */
  localPath?: string;
  /**
   * Transcript of an audio attachment the channel already had (iMessage: Apple's own transcript of a voice
   * memo, which imsg reports as the message text).
   */
  transcript?: string;
}

/**
 * A file that came with the message but is not passed on (over the size cap, not on disk). The agent is told
 * about it in a note, so nothing is silently dropped.
 */
export interface OmittedAttachment {
  /** Name the sender gave the file. */
  name: string;
  /** MIME type when known, else `application/octet-stream`. */
  mimeType: string;
  /** Size in bytes as reported by the source. */
  sizeBytes: number;
  /** Why it is not passed on: over the size cap, not downloaded/deleted, or without a path. */
  reason: "too-large" | "missing" | "no-path";
}

/** The message this one replies to, when the channel knows it. */
export interface ReplyContext {
  id?: string;
  text: string;
  sender?: string;
}

/** A tapback (reaction) on an earlier message: the envelope is then an event, not a text message. */
export interface EnvelopeReaction {
  /** `love`, `like`, `dislike`, `laugh`, `emphasis`, `question` or `custom`. */
  kind: string;
  /** The emoji of a custom reaction, when known. */
  emoji?: string;
  /** `true` when added, `false` when taken back. */
  added: boolean;
  /** The message reacted to, as far as the channel could find it. */
  target: {
    /** Its channel id (guid), when known. */
    id?: string;
    text?: string;
    /** Whether it is one of the bot's own messages; absent when the channel could not tell. */
    fromMe?: boolean;
  };
  /** Recognised from the legacy text form (`Loved “…”`) instead of a reaction row. */
  legacy?: boolean;
}

/**
 * One inbound message, normalised. `TChannelData` types the channel's own slot ({@link Envelope.channelData});
 * channel-core never reads it.
 */
export interface Envelope<TChannelData = unknown> {
  /** Channel name, e.g. `imessage`. */
  channel: string;
  /** Account within the channel (config `accounts.<id>`, or `default`). */
  accountId: string;
  chatType: ChatType;
  /**
   * Stable key of the conversation within the account: the channel's chat id for groups
   * (e.g. `"42"`), and for DMs the channel's chat id too when known.
   */
  chatKey: string;
  /** Sender exactly as the channel reported it. */
  senderRaw: string;
  /** Sender normalised for allowlist matching and session keys (E.164 phone, lower-cased email, …). */
  sender: string;
  /** Message text as sent (no placeholder for media-only messages: empty text stays empty). */
  text: string;
  attachments: AttachmentDescriptor[];
  /** Files that came with the message but are not passed on (the agent gets a note for each). */
  omittedAttachments?: OmittedAttachment[];
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  /** The channel's message id (e.g. the chat.db ROWID as a string). */
  messageId: string;
  /** Globally unique message id; the dedupe key together with `accountId`. */
  guid: string;
  replyTo?: ReplyContext;
  /** Other members of the conversation (normalised), when known. */
  participants: string[];
  /** Display name of the conversation (group name), when known. */
  chatName?: string;
  /** Set when the message is a tapback: an event (its `text` is empty), never a text turn. */
  reaction?: EnvelopeReaction;
  /**
   * What only the channel that built the envelope understands (e.g. iMessage's service and chat guid, for
   * its allowlist entries). Plain JSON, so it is kept when the envelope is stored (a pending turn) or
   * copied; a channel validates it when it reads it back.
   */
  channelData?: TChannelData;
}
