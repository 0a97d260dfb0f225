export { type BackoffOptions, backoffDelay } from "@imgate/imsg-rpc";
export { type AuthSources, loadAuthMethods } from "./auth-methods.ts";
export {
  type SshConnectionConfig,
  type SshConnectionConfigInput,
  sshConnectionConfigSchema,
} from "./connection-config.ts";
export {
  isRemoteSshError,
  RemoteSshError,
  RemoteSshErrorCode,
  type RemoteSshErrorCodeValue,
} from "./errors.ts";
export { expandHome, homeDirectory } from "./expand-home.ts";
export { matchPatternList, matchWildcard } from "./host-pattern.ts";
export { channelToImsgProcess, type ImsgTransportOptions, imsgRpcCommand } from "./imsg-transport.ts";
export {
  appendKnownHost,
  checkHostKey,
  type HostKeyVerdict,
  hostKeyFingerprint,
  type KnownHostEntry,
  knownHostsLine,
  knownHostsName,
  parseKnownHosts,
  readKnownHosts,
} from "./known-hosts.ts";
export { type Clock, type Logger, nullLogger, systemClock } from "./logger.ts";
export { parseWrapperHost, readWrapperHost, type WrapperHost } from "./read-wrapper-host.ts";
export {
  createRemoteAttachments,
  type FetchAttachmentOptions,
  type FetchAttachmentRequest,
  type FetchedAttachment,
  fetchAttachmentRequestSchema,
  type RemoteAttachments,
  type RemoteAttachmentsOptions,
  type StagedUpload,
} from "./remote-attachments.ts";
export { expandRemotePath, isInsideRoot, remotePathSchema } from "./remote-path.ts";
export { type ResolvedTarget, resolveTarget } from "./resolve-target.ts";
export { safeFileName, safeSegment } from "./safe-name.ts";
export { quoteShellArg, renderRemoteCommand } from "./shell-quote.ts";
export { type ShellWord, splitShellCommands } from "./shell-words.ts";
export { resolveSshConfig, resolveSshConfigText, type SshConfigEntry } from "./ssh-config.ts";
export {
  createSshConnection,
  type SshConnection,
  type SshConnectionOptions,
  type SshConnectionState,
  type SshConnectionStatus,
} from "./ssh-connection.ts";
