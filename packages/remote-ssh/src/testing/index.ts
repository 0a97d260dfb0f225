export { processTree } from "./process-tree.ts";
export { createRecordingLogger, type LogRecord, type RecordingLogger } from "./recording-logger.ts";
export { type SshdHarness, type StartSshdOptions, startSshd } from "./sshd-harness.ts";
