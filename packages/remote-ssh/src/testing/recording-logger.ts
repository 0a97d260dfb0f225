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

/** Polls `condition` every 20 ms until it is truthy or `timeoutMs` passes (then throws `message`). */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  message: string,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${message}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
