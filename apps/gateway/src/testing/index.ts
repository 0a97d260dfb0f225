/**
 * `@imgate/gateway/testing`: fakes and probes for tests of the gateway and of packages above it (tests-e2e).
 * Not part of the gateway's public API.
 */

export {
  type LoopbackHandler,
  type LoopbackServer,
  type ReceivedRequest,
  sendJson,
  startLoopbackServer,
} from "./loopback-server.ts";
export { createManualTimers, type ManualTimers } from "./manual-timers.ts";
export { sampleTurn } from "./sample-turn.ts";
export { sentFiles, sentTexts } from "./sim-chat.ts";
