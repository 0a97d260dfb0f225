/** Stable codes of {@link RemoteSshError}; callers switch on these, never on messages. */
export const RemoteSshErrorCode = {
  /** The connection config (or a remote path, or an argument) failed validation. */
  invalidConfig: "INVALID_CONFIG",
  /** The host presented a key that no known_hosts entry lists (strict mode). */
  hostKeyUnknown: "HOST_KEY_UNKNOWN",
  /** The host presented a key different from the one recorded in known_hosts. */
  hostKeyChanged: "HOST_KEY_CHANGED",
  /** The host presented a key marked `@revoked` in known_hosts. */
  hostKeyRevoked: "HOST_KEY_REVOKED",
  /** No authentication method (agent, key files) was accepted. */
  authFailed: "AUTH_FAILED",
  /** A key file is encrypted and no passphrase was available. */
  keyPassphraseMissing: "KEY_PASSPHRASE_MISSING",
  /** TCP connect, handshake or keepalive failed, or the connection timed out. */
  connectFailed: "CONNECT_FAILED",
  /** The connection was closed by the caller. */
  closed: "CLOSED",
  /** The remote side refused or failed a channel (exec, sftp). */
  channelFailed: "CHANNEL_FAILED",
  /** A remote path resolves outside the allowed attachment roots. */
  pathOutsideRoots: "PATH_OUTSIDE_ROOTS",
  /** The remote file does not exist (after all retries). */
  remoteFileMissing: "REMOTE_FILE_MISSING",
  /** The remote path is not a regular file. */
  notAFile: "NOT_A_FILE",
  /** The file is larger than the configured cap. */
  tooLarge: "TOO_LARGE",
  /** The transfer broke off or delivered a different number of bytes than the remote stat said. */
  transferFailed: "TRANSFER_FAILED",
  /** A wrapper script could not be read or holds no ssh command. */
  wrapperUnreadable: "WRAPPER_UNREADABLE",
} as const;

/** One of the {@link RemoteSshErrorCode} values. */
export type RemoteSshErrorCodeValue = (typeof RemoteSshErrorCode)[keyof typeof RemoteSshErrorCode];

/** The one error class remote-ssh throws: a stable `code`, a `cause`, and a message that says what to do. */
export class RemoteSshError extends Error {
  /** Stable machine-readable code. */
  readonly code: RemoteSshErrorCodeValue;
  /** Extra facts for logs (fingerprint, host, path…); never secrets. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: RemoteSshErrorCodeValue,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RemoteSshError";
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True when `err` is a {@link RemoteSshError}, optionally with the given code. */
export function isRemoteSshError(err: unknown, code?: RemoteSshErrorCodeValue): err is RemoteSshError {
  return err instanceof RemoteSshError && (code === undefined || err.code === code);
}
