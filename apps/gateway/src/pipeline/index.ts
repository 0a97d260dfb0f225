/**
 * The gateway's inbound pipeline pieces, for `bench/core-pipeline.ts` (which must measure exactly what the
 * gateway composes) and for tests: `@imgate/gateway/pipeline`.
 */
export type { AgentRegistry } from "./agent-registry.ts";
export { createAgentRegistry } from "./agent-registry.ts";
export type { CoreServices } from "./core-services.ts";
export { createCoreServices, sqliteBackendOptionsOf } from "./core-services.ts";
export type { ReplyEnqueuer } from "./enqueue-replies.ts";
export { createReplyEnqueuer } from "./enqueue-replies.ts";
export type { GatewayInboundContext } from "./gateway-inbound-context.ts";
export type {
  InboundDispatch,
  InboundDispatchOptions,
  InboundPipelineDeps,
} from "./inbound-dispatch.ts";
export { composeInboundPipeline, createInboundDispatch } from "./inbound-dispatch.ts";
export type { OutcomeCommitter, OutcomeCommitterOptions } from "./outcome-committer.ts";
export { createOutcomeCommitter } from "./outcome-committer.ts";
export type { SessionQueue } from "./session-queue.ts";
export { createSessionQueue } from "./session-queue.ts";
