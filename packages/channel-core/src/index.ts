export type { Clock, ManualClock } from "./clock.ts";
export { createManualClock, systemClock } from "./clock.ts";
export type { AttachmentDescriptor, ChatType, Envelope, ReplyContext } from "./envelope.ts";
export type { Logger } from "./logger.ts";
export { silentLogger } from "./logger.ts";
