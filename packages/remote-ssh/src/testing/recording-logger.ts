import type { Logger } from "../logger.ts";

/** One recorded log call. */
export interface LogRecord {
  level: "debug" | "info" | "warn" | "error";
  fields: Record<string, unknown>;
  msg: string;
}

/** A {@link Logger} that keeps every call, for assertions. */
export interface RecordingLogger extends Logger {
  records: LogRecord[];
}

/** Creates a {@link RecordingLogger}. */
export function createRecordingLogger(): RecordingLogger {
  const records: LogRecord[] = [];
  const at =
    (level: LogRecord["level"]) =>
    (fields: object, msg: string): void => {
      records.push({ level, fields: fields as Record<string, unknown>, msg });
    };
  return { records, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
