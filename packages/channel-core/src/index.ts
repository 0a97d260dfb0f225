export type { Clock, ManualClock } from "./clock.ts";
export { createManualClock, systemClock } from "./clock.ts";
export type { CursorStore } from "./cursor-store.ts";
export { createCursorStore } from "./cursor-store.ts";
export type { EchoCache, EchoCacheOptions, EchoCandidate } from "./echo-cache.ts";
export { createEchoCache } from "./echo-cache.ts";
export type { AttachmentDescriptor, ChatType, Envelope, ReplyContext } from "./envelope.ts";
export type { HistoryEntry, HistoryStore } from "./history-store.ts";
export { createHistoryStore } from "./history-store.ts";
export type { InboundDedupe, InboundDedupeOptions } from "./inbound-dedupe.ts";
export { createInboundDedupe } from "./inbound-dedupe.ts";
export type { Logger } from "./logger.ts";
export { silentLogger } from "./logger.ts";
export type { Migration } from "./migrations.ts";
export { stateMigrations } from "./migrations.ts";
export type {
  Outbox,
  OutboxDraft,
  OutboxEntry,
  OutboxOptions,
  OutboxState,
  ReconcileReport,
  ReconcileVerdict,
} from "./outbox.ts";
export { agentIdempotencyKey, createOutbox, replyIdempotencyKey } from "./outbox.ts";
export type { RandomBytes } from "./pairing-code.ts";
export {
  generatePairingCode,
  normalizePairingCode,
  PAIRING_CODE_ALPHABET,
  PAIRING_CODE_LENGTH,
  pairingCodesEqual,
} from "./pairing-code.ts";
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
export type {
  ApprovedSender,
  PairingEventKind,
  PairingRequestRecord,
  PairingStore,
} from "./pairing-store.ts";
export { createPairingStore } from "./pairing-store.ts";
export type { SessionMeta, SessionStore } from "./session-store.ts";
export { createSessionStore } from "./session-store.ts";
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
