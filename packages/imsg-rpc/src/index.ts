export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, type RestartOptions } from "./backoff.ts";
export type { ImsgCapabilities, ImsgMethodKey, ImsgMethodResult, ProtocolFamily } from "./capabilities.ts";
export { detectCapabilities, methodFor } from "./capabilities.ts";
export type { Clock, Timers } from "./clock.ts";
export { systemClock, systemTimers } from "./clock.ts";
export { asFullDiskAccessError } from "./full-disk-access.ts";
export type {
  ImsgClient,
  ImsgClientOptions,
  ImsgClientState,
  ImsgClientStatus,
  TimeoutOptions,
} from "./imsg-client.ts";
export { createImsgClient } from "./imsg-client.ts";
export type { ImsgConnectionOptions, RequestOptions, StopOptions } from "./imsg-connection.ts";
export { ImsgConnection } from "./imsg-connection.ts";
export type { ImsgErrorCode } from "./imsg-error.ts";
export {
  ImsgAbortedError,
  ImsgError,
  ImsgExitedError,
  ImsgFullDiskAccessError,
  ImsgInvalidParamsError,
  ImsgInvalidResultError,
  ImsgResponseError,
  ImsgRpcCodes,
  ImsgSpawnError,
  ImsgStoppedError,
  ImsgTimeoutError,
  ImsgUnsupportedMethodError,
} from "./imsg-error.ts";
export type { ImsgWatch, WatchDelivery, WatchHandler, WatchOptions } from "./imsg-watch.ts";
export { LineSplitter } from "./line-splitter.ts";
export type { Logger } from "./logger.ts";
export { silentLogger } from "./logger.ts";
export type { DroppedLineReason, NdjsonReaderOptions, NullIdError } from "./ndjson-message-reader.ts";
export { DEFAULT_MAX_LINE_BYTES, DroppedLineError, NdjsonMessageReader } from "./ndjson-message-reader.ts";
export { NdjsonMessageWriter } from "./ndjson-message-writer.ts";
export type { ImsgMethod, ImsgNotification, MethodTimeoutClass } from "./protocol/define-method.ts";
export type {
  ErrorNotificationParams,
  MessageNotificationParams,
  WatchOverflowParams,
} from "./protocol/notifications.ts";
export {
  errorNotification,
  messageNotification,
  watchOverflowNotification,
} from "./protocol/notifications.ts";
export type {
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
export type { Attachment, Chat, ImsgStatus, Message, Reaction, SendResult } from "./protocol/shapes.ts";
export {
  attachmentSchema,
  chatSchema,
  messageSchema,
  reactionSchema,
  statusSchema,
} from "./protocol/shapes.ts";
export { imsg09 } from "./protocol/v0-9.ts";
export { imsg015 } from "./protocol/v0-15.ts";
export type { ImsgRpcStats } from "./rpc-stats.ts";
export type { SpawnFunction, SpawnTransportOptions } from "./spawn-transport.ts";
export { spawnTransport } from "./spawn-transport.ts";
export type { StreamProcessOptions } from "./stream-process.ts";
export { streamProcess } from "./stream-process.ts";
export type { ExitInfo, ImsgProcess, ImsgTransport } from "./transport.ts";
export type { WatchStart, WatchStartListener, WatchStartReason } from "./watch-start.ts";
export { planWatchStart } from "./watch-start.ts";
