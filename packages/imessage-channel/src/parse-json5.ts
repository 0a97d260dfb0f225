/** JSON5 parsing whose errors carry a line and a column. */
import JSON5 from "json5";
import { ConfigParseError } from "./imessage-errors.ts";

/**
 * Parses JSON5 text (comments, trailing commas, unquoted keys).
 * @param source file name or label used in the error message.
 * @throws {ConfigParseError} with 1-based `line` and `column` of the syntax error.
 */
export function parseJson5(text: string, source = "config"): unknown {
  try {
    return JSON5.parse(text);
  } catch (error) {
    const e = error as { lineNumber?: number; columnNumber?: number; message?: string };
    const line = typeof e.lineNumber === "number" ? e.lineNumber : 1;
    const column = typeof e.columnNumber === "number" ? e.columnNumber : 1;
    const detail = (e.message ?? String(error)).replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    throw new ConfigParseError(source, line, column, detail, { cause: error });
  }
}
