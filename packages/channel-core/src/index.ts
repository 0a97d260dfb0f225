export type { AgentBinding, AgentListEntry, AgentRoute, AgentRouteInput, RouteMatch } from "./agent-route.ts";
export {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_AGENT_ID,
  resolveAgentRoute,
  resolveDefaultAgentId,
} from "./agent-route.ts";
export {
  type AsyncPairingServiceOptions,
  createAsyncPairingService,
  type PairingRowSource,
  type PairingTransactionRequest,
} from "./async-pairing-service.ts";
export type {
  ChatCommand,
  ConfigAccessor,
  ConfigCommandContext,
  ConfigCommandOutcome,
  ConfigWriteResult,
  ProtectedConfigKeys,
} from "./chat-commands.ts";
export {
  chatCommandHelpText,
  findProtectedConfigPath,
  MAX_CONFIG_VALUE_LENGTH,
  parseChatCommand,
  runConfigCommand,
} from "./chat-commands.ts";
export type { ChunkMode, ChunkTextErrorCode, ChunkTextOptions, TextChunk } from "./chunk-text.ts";
export { ChunkTextError, chunkText, chunkTextDetailed, MIN_CHUNK_LIMIT } from "./chunk-text.ts";
export type { Clock } from "./clock.ts";
export { systemClock } from "./clock.ts";
export { CodedError } from "./coded-error.ts";
export type { CommandRegistry } from "./command-gate.ts";
export { DEFAULT_COMMAND_REGISTRY, hasControlCommand } from "./command-gate.ts";
export type { ConfigKeyPathSegment, ConfigPathErrorCode, JsonObject, JsonValue } from "./config-path.ts";
export {
  ConfigPathError,
  FORBIDDEN_CONFIG_KEYS,
  findForbiddenConfigKey,
  formatConfigKeyPath,
  formatConfigPath,
  getConfigValue,
  MAX_CONFIG_PATH_LENGTH,
  parseConfigKeyPath,
  parseConfigPath,
  setConfigValue,
  unsetConfigValue,
} from "./config-path.ts";
export type { CursorStore } from "./cursor-store.ts";
export { createCursorStore } from "./cursor-store.ts";
export { describeReaction, envelopeTextOf } from "./describe-reaction.ts";
export type { DropCounters } from "./drop-counters.ts";
export { createDropCounters } from "./drop-counters.ts";
export type {
  EchoCache,
  EchoCacheOptions,
  EchoCandidate,
  MirrorCandidate,
  SentBinding,
} from "./echo-cache.ts";
export { createEchoCache } from "./echo-cache.ts";
export type { EchoRows } from "./echo-rows.ts";
export { createEchoRows } from "./echo-rows.ts";
export type {
  AttachmentDescriptor,
  ChatType,
  Envelope,
  EnvelopeReaction,
  OmittedAttachment,
  ReplyContext,
} from "./envelope.ts";
export { formatDuration } from "./format-duration.ts";
export type { EnvelopeFormatOptions, EnvelopeReplyInput, EnvelopeTextInput } from "./format-envelope.ts";
export {
  formatElapsed,
  formatEnvelopeText,
  formatEnvelopeTimestamp,
  formatFromLabel,
  formatSenderLabel,
} from "./format-envelope.ts";
export type { HistoryContextEntry, HistoryFormatOptions } from "./format-history.ts";
export {
  CURRENT_MESSAGE_MARKER,
  formatHistoryContext,
  formatHistoryEntry,
  HISTORY_CONTEXT_MARKER,
} from "./format-history.ts";
export { resolveGroupSystemPrompt } from "./group-system-prompt.ts";
export type { HistoryEntry, HistoryStore, HistoryStoreOptions } from "./history-store.ts";
export { createHistoryStore } from "./history-store.ts";
export type { ChatCommandStepOptions, ChatCommandStepResult } from "./inbound/chat-command-step.ts";
export { chatCommandStep } from "./inbound/chat-command-step.ts";
export type { Middleware, Next } from "./inbound/compose-middleware.ts";
export { composeMiddleware } from "./inbound/compose-middleware.ts";
export type { DedupeStepOptions } from "./inbound/dedupe-step.ts";
export { dedupeStep, finishOnce } from "./inbound/dedupe-step.ts";
export { attachmentPlaceholders, historyEntryOf } from "./inbound/history-entry-of.ts";
export type { InboundContext } from "./inbound/inbound-context.ts";
export type { HistoryKeeperOptions } from "./inbound/mention-gate-step.ts";
export { keepAsHistory, mentionGateStep } from "./inbound/mention-gate-step.ts";
export type { PairingStepOptions } from "./inbound/pairing-step.ts";
export { pairingStep } from "./inbound/pairing-step.ts";
export type { PolicyStepOptions } from "./inbound/policy-step.ts";
export { policyStep } from "./inbound/policy-step.ts";
export type { ReactionNotifications, ReactionStepOptions } from "./inbound/reaction-step.ts";
export { reactionStep } from "./inbound/reaction-step.ts";
export type { SessionQueueLike, SessionQueueStepOptions } from "./inbound/session-queue-step.ts";
export { sessionQueueStep } from "./inbound/session-queue-step.ts";
export type { InboundDedupe, InboundDedupeOptions } from "./inbound-dedupe.ts";
export { createInboundDedupe } from "./inbound-dedupe.ts";
export type { Logger } from "./logger.ts";
export { silentLogger } from "./logger.ts";
export type {
  MentionMatcher,
  MentionPatternCompiler,
  MentionPatternCompilerOptions,
  MentionPatternSources,
} from "./mention-gate.ts";
export {
  createMentionPatternCompiler,
  resolveMentionPatterns,
  stripInvisibleCharacters,
} from "./mention-gate.ts";
export type { Migration } from "./migrations.ts";
export { stateMigrations } from "./migrations.ts";
export { agentIdempotencyKey, createOutbox, replyIdempotencyKey } from "./outbox.ts";
export {
  notReconciledError,
  type OutboxTransition,
  type OutboxTransitionSet,
  outboxMarks,
  outboxStateError,
  settleUncertain,
} from "./outbox-marks.ts";
export { type OutboxRow, outboxDraftValues, outboxEntryOf } from "./outbox-row.ts";
export type {
  Outbox,
  OutboxDraft,
  OutboxEntry,
  OutboxOptions,
  OutboxState,
  ReconcileReport,
  ReconcileVerdict,
} from "./outbox-types.ts";
export { PAIRING_APPROVED_MESSAGE } from "./pairing-approved-message.ts";
export type { RandomBytes } from "./pairing-code.ts";
export {
  generatePairingCode,
  normalizePairingCode,
  PAIRING_CODE_ALPHABET,
  PAIRING_CODE_LENGTH,
  pairingCodesEqual,
} from "./pairing-code.ts";
export {
  createPairingRules,
  PAIRING_EVENT_WINDOW_MS,
  type PairingRules,
  type PairingRulesOptions,
} from "./pairing-rules.ts";
export type {
  PairingCounter,
  PairingNoReplyReason,
  PairingReplyMode,
  PairingRequestOutcome,
  PairingService,
  PairingServiceOptions,
  PendingPairing,
} from "./pairing-service.ts";
export { createPairingService } from "./pairing-service.ts";
export {
  createPairingSnapshot,
  type PairingEvent,
  type PairingRowKey,
  type PairingSnapshot,
  type PairingSnapshotChanges,
  type PairingSnapshotData,
} from "./pairing-snapshot.ts";
export type {
  ApprovedSender,
  PairingEventKind,
  PairingOwnerDecision,
  PairingRequestRecord,
  PairingStore,
} from "./pairing-store.ts";
export { createPairingStore } from "./pairing-store.ts";
export type {
  PairingApprovalResult,
  PairingLimits,
  PairingMatch,
  PairingRequestInput,
  PairingStep,
} from "./pairing-types.ts";
export {
  ALL_ACCOUNTS,
  createPauseStore,
  type PauseRecord,
  type PauseState,
  type PauseStore,
} from "./pause-store.ts";
export type {
  PendingTurn,
  PendingTurnDraft,
  PendingTurnState,
  PendingTurnStore,
} from "./pending-turn-store.ts";
export { createPendingTurnStore } from "./pending-turn-store.ts";
export type { AccessPolicy, AccessPolicyOptions } from "./policy.ts";
export { createAccessPolicy, exactSenderMatcher } from "./policy.ts";
export type {
  AccessPolicyConfig,
  AllowEntry,
  AllowEntryMatcher,
  DmPolicy,
  DropDecision,
  DropReason,
  GroupEntryConfig,
  GroupPolicy,
  HistoryOnlyDecision,
  PairingApproval,
  PairingDecision,
  PolicyCounterReason,
  PolicyDecision,
  PolicyInput,
  ProcessDecision,
} from "./policy-types.ts";
export { isSecretKey, REDACTED, redactSecretFields } from "./redact-secrets.ts";
export type { ApplyResponsePrefixOptions, ResponsePrefixContext } from "./response-prefix.ts";
export { applyResponsePrefix, resolveResponsePrefix, shortModelName } from "./response-prefix.ts";
export { createSendLog, type SendLog, type SendLogEntry, type SendUsage } from "./send-log.ts";
export type { DmScope, DmSessionKeyParts, SessionKeyInput } from "./session-key.ts";
export {
  buildSessionKey,
  DM_SCOPES,
  MAIN_SESSION_NAME,
  mainSessionKey,
  parseChannelDmSessionKey,
} from "./session-key.ts";
export type { SessionMeta, SessionStore } from "./session-store.ts";
export { createSessionStore } from "./session-store.ts";
export { asyncView } from "./state/async-view.ts";
export {
  envelopeSchema,
  guardSchema,
  historyEntrySchema,
  outboxDraftSchema,
  outcomeBatchSchema,
  outcomeOpSchema,
  parseOutcomeBatch,
  pendingTurnDraftSchema,
  recordOutcome,
} from "./state/outcome-ops.ts";
export type { SqliteBackend, SqliteBackendOptions, SqliteStores } from "./state/sqlite-backend.ts";
export { createSqliteBackend } from "./state/sqlite-backend.ts";
export type {
  AsyncCursors,
  AsyncDedupe,
  AsyncEchoRows,
  AsyncHistory,
  AsyncOf,
  AsyncOutbox,
  AsyncPairing,
  AsyncPauses,
  AsyncPendingTurns,
  AsyncSendLog,
  AsyncSessions,
  CommitOutcomesResult,
  EchoRow,
  Guard,
  OutcomeBatch,
  OutcomeOp,
  OutcomeWriter,
  StateBackend,
} from "./state/state-backend.ts";
export {
  OutboxError,
  PairingError,
  StateError,
  StateErrorCode,
  StateStoreError,
  translateSqliteError,
} from "./state-errors.ts";
export type { StateStore, StateStoreOptions } from "./state-store.ts";
export { openStateStore } from "./state-store.ts";
