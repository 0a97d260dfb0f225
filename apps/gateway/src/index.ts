// Config

// Start checks (shared by the gateway and `imgate doctor`)
export type { ExecutableLookup } from "@imgate/imessage-channel";
export { locateExecutable } from "@imgate/imessage-channel";
// Agents
export type { AgentBackend, AgentCallOptions } from "./agents/agent-backend.ts";
export { AgentError } from "./agents/agent-error.ts";
export {
  AGENT_REACTIONS,
  agentReplyJsonSchema,
  agentReplySchema,
  parseAgentReply,
} from "./agents/agent-reply-schema.ts";
export type { AgentAttachment, AgentHistoryEntry, AgentReply, AgentTurn } from "./agents/agent-turn.ts";
export type { AgentBackendDeps } from "./agents/create-agent-backend.ts";
export { createAgentBackend } from "./agents/create-agent-backend.ts";
export { createEchoBackend } from "./agents/echo-backend.ts";
export type { ExecBackendDeps, ExecBackendSettings } from "./agents/exec-backend.ts";
export { createExecBackend } from "./agents/exec-backend.ts";
export type { OpenAIBackendDeps, OpenAIBackendSettings } from "./agents/openai-backend.ts";
export { createOpenAIBackend } from "./agents/openai-backend.ts";
export type { WebhookBackendDeps, WebhookBackendSettings } from "./agents/webhook-backend.ts";
export { createWebhookBackend } from "./agents/webhook-backend.ts";
export type {
  WebhookRejection,
  WebhookRequestParts,
  WebhookVerifier,
  WebhookVerifierOptions,
} from "./agents/webhook-signature.ts";
export {
  createWebhookVerifier,
  signWebhookBody,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WebhookSignatureError,
} from "./agents/webhook-signature.ts";
export { ConfigError, isConfigError } from "./config/config-error.ts";
export type { ConfigIssue } from "./config/config-issue.ts";
export { formatConfigIssues, formatKeyPath } from "./config/config-issue.ts";
export type { ConfigWarning } from "./config/config-warning.ts";
export { formatConfigWarnings } from "./config/config-warning.ts";
export { expandHome } from "./config/expand-home.ts";
export type {
  AgentBackendConfig,
  AgentConfig,
  BindingConfig,
  GatewayConfig,
  GatewayConfigInput,
} from "./config/gateway-config-schema.ts";
export {
  DEFAULT_AGENT_FAILURE_REPLY,
  DEFAULT_AGENT_RETRY_MS,
  gatewayConfigSchema,
} from "./config/gateway-config-schema.ts";
export type { Json5Node, PathSegment } from "./config/json5-document.ts";
export {
  formatJson5KeyPath,
  getAtPath,
  Json5EditError,
  Json5SyntaxError,
  nodeToValue,
  parseJson5,
  parseJson5Tree,
  parseKeyPath,
  setJson5Value,
  stringifyJson5,
  unsetJson5Value,
} from "./config/json5-document.ts";
export type { LoadedConfig } from "./config/load-config.ts";
export { loadConfig, readConfigFile } from "./config/load-config.ts";
export type { ConfigValidation } from "./config/parse-gateway-config.ts";
export { parseGatewayConfig, validateGatewayConfig } from "./config/parse-gateway-config.ts";
export { resolveConfigPath, resolveStateDir } from "./config/resolve-state-dir.ts";
export { writeFileAtomically } from "./config/write-file-atomically.ts";
// Control API
export type {
  AccountReadiness,
  AccountState,
  AgentTurnSummary,
  ApprovePairingRequest,
  ApprovePairingResult,
  ControlApiErrorBody,
  ControlApiHandlers,
  GivenUpTurnSummary,
  PendingRetrySummary,
  ReadinessReport,
  SendRequest,
  SendResult,
} from "./control-api/control-api-types.ts";
export {
  accountReadinessSchema,
  approvePairingResultSchema,
  controlApiErrorSchema,
  readinessReportSchema,
} from "./control-api/control-api-types.ts";
export type { ControlServer, ControlServerOptions } from "./control-api/control-server.ts";
export { startControlServer } from "./control-api/control-server.ts";
// Errors
export { GatewayError, GatewayErrorCode, isGatewayError } from "./errors/gateway-error.ts";
// Gateway
export type { GatewayHandle, GatewayStatus, StartGatewayOptions } from "./gateway.ts";
export { pairingOptionsOf, startGateway } from "./gateway.ts";
// Shared state and account leases (several gateways on one PostgreSQL database, docs/deployment.md)
export type {
  LeaseKeeper,
  LeaseKeeperEntry,
  LeaseKeeperOptions,
  LeaseLossReason,
} from "./leases/lease-keeper.ts";
export { createLeaseKeeper } from "./leases/lease-keeper.ts";
export {
  DEFAULT_LEASE_TTL_MS,
  leaseRenewIntervalMs,
  MAX_LEASE_TTL_MS,
  MIN_LEASE_TTL_MS,
  worstTakeoverMs,
} from "./leases/lease-timing.ts";
export type { LeaseStatus, LeaseStatusAccount, ReadLeaseStatusOptions } from "./leases/read-lease-status.ts";
export { readLeaseStatus } from "./leases/read-lease-status.ts";
export type { LeaseKeeping, StartLeaseKeepingOptions } from "./leases/start-lease-keeping.ts";
export { startLeaseKeeping } from "./leases/start-lease-keeping.ts";
// Logging
export type { CreateLoggerOptions, GatewayLogger, LogDestination } from "./logging/create-logger.ts";
export { createLogger } from "./logging/create-logger.ts";
export type { PrettyPrinter } from "./logging/load-pretty-printer.ts";
export { loadPrettyPrinter } from "./logging/load-pretty-printer.ts";
// Metrics
export type { GatewayMetrics } from "./metrics/gateway-metrics.ts";
export { createGatewayMetrics } from "./metrics/gateway-metrics.ts";
// Account transport (also used by `imgate chats/history/send`)
export type { AccountTransport } from "./pipeline/create-account-transport.ts";
export { createAccountTransport } from "./pipeline/create-account-transport.ts";
export type { AttachmentMover, AttachmentMoverOptions } from "./pipeline/create-attachment-mover.ts";
export { createAttachmentMover } from "./pipeline/create-attachment-mover.ts";
export type { HoldReason, SendGate, SendGateOptions, SendHold } from "./pipeline/send-gate.ts";
export { createSendGate } from "./pipeline/send-gate.ts";
export type { SessionQueue } from "./pipeline/session-queue.ts";
export { createSessionQueue } from "./pipeline/session-queue.ts";
export type { ProbeImsgOptions } from "./preflight/probe-imsg.ts";
export { probeImsg, probeRemoteImsg } from "./preflight/probe-imsg.ts";
export type { StartCheck, StartCheckOptions, StartCheckStatus } from "./preflight/start-checks.ts";
export { runStartChecks } from "./preflight/start-checks.ts";
export type { RunGatewayOptions } from "./run-gateway-foreground.ts";
export { runGatewayForeground } from "./run-gateway-foreground.ts";
