/**
 * The error family of `@imgate/imessage-channel`. Every error has a stable `code`, keeps its `cause`, and a
 * message that says what to do.
 */

/** Stable codes of {@link ImessageChannelError}. */
export type ImessageErrorCode =
  | "IMESSAGE_CONFIG_INVALID"
  | "IMESSAGE_TARGET_INVALID"
  | "IMESSAGE_SEND_FAILED"
  | "IMESSAGE_SEND_UNKNOWN"
  | "IMESSAGE_SEND_EMPTY"
  | "IMESSAGE_ATTACHMENT_REJECTED"
  | "IMESSAGE_CHAT_UNRESOLVED"
  | "IMESSAGE_CHAT_NOT_FOUND";

/** Base class: `code` is stable across releases; match on it, not on the message. */
export class ImessageChannelError extends Error {
  /** Stable machine-readable code. */
  readonly code: ImessageErrorCode;

  constructor(code: ImessageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImessageChannelError";
    this.code = code;
  }
}

/** One problem in a config file, located by its full key path (e.g. `channels.imessage.accounts.bot.cliPath`). */
export interface ConfigIssue {
  /** Dotted key path from the config root. */
  path: string;
  /** What is wrong and, when known, what to write instead. */
  message: string;
}

/** The `channels.imessage` section is invalid; `issues` lists every problem with its key path. */
export class ImessageConfigError extends ImessageChannelError {
  /** Every problem found, in document order. */
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    const lines = issues.map((issue) => `  ${issue.path}: ${issue.message}`);
    super(
      "IMESSAGE_CONFIG_INVALID",
      `Invalid iMessage config; fix these keys:\n${lines.join("\n")}`,
      options,
    );
    this.name = "ImessageConfigError";
    this.issues = issues;
  }
}

/** A target string (`chat_id:…`, a handle, …) could not be parsed. */
export class ImessageTargetError extends ImessageChannelError {
  /** The target as given. */
  readonly target: string;

  constructor(target: string, message: string, options?: { cause?: unknown }) {
    super("IMESSAGE_TARGET_INVALID", message, options);
    this.name = "ImessageTargetError";
    this.target = target;
  }
}

/** A send target names a chat imsg does not know (`chat_id:999`, an unknown `chat_guid:`…); nothing was sent. */
export class ImessageChatNotFoundError extends ImessageChannelError {
  /** The target as given. */
  readonly target: string;

  constructor(target: string, message: string, options?: { cause?: unknown }) {
    super("IMESSAGE_CHAT_NOT_FOUND", message, options);
    this.name = "ImessageChatNotFoundError";
    this.target = target;
  }
}

/** A delivery failed (`IMESSAGE_SEND_FAILED`), has an unknown outcome (`IMESSAGE_SEND_UNKNOWN`), or was refused. */
export class ImessageDeliveryError extends ImessageChannelError {
  constructor(
    code: Extract<
      ImessageErrorCode,
      | "IMESSAGE_SEND_FAILED"
      | "IMESSAGE_SEND_UNKNOWN"
      | "IMESSAGE_SEND_EMPTY"
      | "IMESSAGE_ATTACHMENT_REJECTED"
      | "IMESSAGE_CHAT_UNRESOLVED"
    >,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = "ImessageDeliveryError";
  }
}
