/**
 * The tests-e2e harness: real gateway processes against imsg-sim, the CLI as a child process, chat.db
 * helpers, loopback HTTP servers and polling. See README.md in this folder.
 */

export { type CliRun, childEnv, mainPath, type RunCliOptions, repoRoot, runCli } from "@imgate/cli/testing";
export {
  type LoopbackHandler,
  type LoopbackServer,
  type ReceivedRequest,
  sendJson,
  startLoopbackServer,
} from "@imgate/gateway/testing";
export {
  freePort,
  IMSG_BIN,
  IMSG_SIM_BIN,
  type InjectedMessage,
  type InjectMessageOptions,
  injectMessage,
} from "@imgate/imsg-sim/testing";
export { renderConfig, type WriteConfigOptions, writeConfigFile } from "./config-file.ts";
export {
  COMPAT_MODES,
  type Compat,
  type GatewayExit,
  type GatewayProcess,
  type LogLine,
  type StartGatewayOptions,
  startGateway,
} from "./gateway-process.ts";
export { mergeConfig } from "./merge-config.ts";
export { metricValue } from "./metrics.ts";
export { descendantsOf, isAlive, reapProcesses } from "./process-exit.ts";
export {
  type AuditedMessage,
  auditReplies,
  expectExactlyOnce,
  type ReplyAudit,
  readOutgoingRows,
} from "./reply-audit.ts";
export {
  DATABASE_URL_ENV,
  isStandingBy,
  LEASE_ACQUIRED,
  type SharedStateOptions,
  type StatusLeases,
  sharedStateGateway,
  statusLeases,
} from "./shared-state.ts";
export { type OutgoingRow, outgoingCount, outgoingRows, outgoingTexts } from "./sim-db.ts";
export { type OutboxRow, outboxRows } from "./state-db.ts";
export { type WaitForOptions, waitFor } from "./wait-for.ts";
export { createWorkspace, disposeWorkspaces, type Workspace } from "./workspace.ts";
