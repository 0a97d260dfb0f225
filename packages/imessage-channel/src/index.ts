export type { AllowlistMatch, AllowlistOptions, AllowSubject, MessageService } from "./allowlist.ts";
export { matchAllowlist, matchesAllowEntry, serviceOfChatGuid } from "./allowlist.ts";
export type { AnchorRepairOptions } from "./anchor-repair.ts";
export { repairAnchorlessMessage } from "./anchor-repair.ts";
export type { AttachmentHost, AttachmentHostOptions } from "./attachment-host.ts";
export { resolveAttachmentHost } from "./attachment-host.ts";
export type { AttachmentRefusal, AttachmentSelection, AttachmentSelectionOptions } from "./attachments.ts";
export { attachmentKind, describeAttachment, selectAttachments } from "./attachments.ts";
export { attemptIdFor } from "./attempt-id.ts";
export type {
  BridgeCapabilities,
  ChatPresence,
  ChatPresenceOptions,
  PresenceSettings,
  TurnPresence,
} from "./chat-presence.ts";
export { createChatPresence } from "./chat-presence.ts";
export type { ChatResolver, ChatResolverOptions } from "./chat-resolver.ts";
export { createChatResolver } from "./chat-resolver.ts";
export { imessageConfigJsonSchema } from "./config-json-schema.ts";
export type {
  DmPolicy,
  GroupPolicy,
  ImessageAccountConfig,
  ImessageRemoteConfig,
  ImessageSectionConfig,
  ImessageService,
} from "./config-schema.ts";
export { imessageAccountSchema, imessageSectionSchema } from "./config-schema.ts";
export { createImessageDelivery } from "./delivery.ts";
export type {
  DeliveryItem,
  DeliveryOptions,
  DeliveryOutcome,
  DeliveryVerdict,
  ImessageDelivery,
  ReconcileItem,
  StageUpload,
} from "./delivery-types.ts";
export type { EchoFilter, EchoFilterOptions, SentRecord } from "./echo-filter.ts";
export { createEchoFilter } from "./echo-filter.ts";
export type { ImessageChannelData, ImessageEnvelope } from "./envelope-service.ts";
export { imessageChatRefsOf, imessageServiceOf } from "./envelope-service.ts";
export { explainUnsafeExecutable, isSafeExecutableValue } from "./executable-safety.ts";
export type { ImessageGroupConfig } from "./group-entry-schema.ts";
export type { NormalizeHandleOptions } from "./handle.ts";
export { normalizeHandle, normalizePhoneNumber } from "./handle.ts";
export type { ConfigIssue, ImessageErrorCode } from "./imessage-errors.ts";
export {
  ImessageChannelError,
  ImessageChatNotFoundError,
  ImessageConfigError,
  ImessageDeliveryError,
  ImessageTargetError,
} from "./imessage-errors.ts";
export type {
  ImsgAttachment,
  ImsgChat,
  ImsgMessage,
  ImsgPort,
  ImsgSendParams,
  ImsgSendResult,
  ImsgSendStatus,
} from "./imsg-port.ts";
export type { ImsgPortFromClientOptions } from "./imsg-port-from-client.ts";
export { bridgeCapabilitiesOf, imsgPortFromClient, sendCapabilitiesOf } from "./imsg-port-from-client.ts";
export type { GroupReason, InboundDropReason, InboundOutcome, ReactionEvent } from "./inbound-outcome.ts";
export type { InboundProcessor, InboundProcessorOptions } from "./inbound-processor.ts";
export { createInboundProcessor } from "./inbound-processor.ts";
export type { LegacyTapback } from "./legacy-tapback.ts";
export { parseLegacyTapback } from "./legacy-tapback.ts";
export { type ExecutableLookup, locateExecutable } from "./locate-executable.ts";
export type { HandshakeFailure, HandshakeResult, ProbeOptions, ProbeResult } from "./probe.ts";
export { fullDiskAccessHint, looksLikeFullDiskAccessDenial, probeAccount, probeHandshake } from "./probe.ts";
export { IMESSAGE_PROTECTED_CONFIG_KEYS } from "./protected-config-keys.ts";
export { resolveReactionTarget } from "./reaction-target.ts";
export type { ResolvedImessageAccount, ResolvedSendLimits } from "./resolve-accounts.ts";
export {
  DEFAULT_ACCOUNT_ID,
  IMESSAGE_DEFAULTS,
  mergeAccountConfig,
  normalizeAccountId,
  resolveAccounts,
} from "./resolve-accounts.ts";
export type { SendErrorKind } from "./send-error-kind.ts";
export { classifySendError } from "./send-error-kind.ts";
export type {
  CheckedSendTarget,
  CheckSendTargetOptions,
  SendFailure,
  SendFailureCode,
} from "./send-target-check.ts";
export { checkSendTarget, describeSendFailure, parseSendTarget } from "./send-target-check.ts";
export { suggestKey, unknownKeyMessage } from "./suggest-key.ts";
export type { ImessageTarget, ParseTargetOptions } from "./target.ts";
export { formatTarget, looksLikeTarget, parseTarget, TARGET_FORMS } from "./target.ts";
export type { InboundAccountView } from "./to-envelope.ts";
export { groupReasonOf, messageToInbound } from "./to-envelope.ts";
export type { ConfigCheckResult, ValidateConfigOptions } from "./validate-config.ts";
export { checkImessageConfig, formatKeyPath, validateImessageConfig } from "./validate-config.ts";
