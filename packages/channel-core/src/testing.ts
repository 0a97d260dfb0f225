/**
 * `@imgate/channel-core/testing`: helpers for tests of channel-core and of the packages above it. Not part of
 * the public API.
 */

export { createManualClock, type ManualClock } from "./manual-clock.ts";
export type { OpenStateBackend } from "./state/contract-fixtures.ts";
export { describeStateBackendContract } from "./state/state-backend.contract.ts";
