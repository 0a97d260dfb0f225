/** Rendering of command results: `--json` documents on stdout, or aligned plain-text tables. */
import { jsonErrorDocument } from "./cli-error.ts";

/** Writes `value` as one pretty-printed JSON document on stdout. */
export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Writes an error as `{"error": {"code", "message"}}` on stdout: what every command prints for a failure
 * under `--json` (the plain sentence still goes to stderr; the exit code is the same as without `--json`).
 */
export function writeJsonError(error: unknown): void {
  writeJson(jsonErrorDocument(error));
}

/** Whether the command line asks for `--json` (before any `--`). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

/** Writes plain text lines on stdout. */
export function writeLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
}

/** A column of {@link renderTable}: its header and how to get the cell text from a row. */
export interface TableColumn<Row> {
  header: string;
  cell: (row: Row) => string;
}

/** Renders rows as a left-aligned text table with a header line; returns the lines. */
export function renderTable<Row>(columns: readonly TableColumn<Row>[], rows: readonly Row[]): string[] {
  const cells = rows.map((row) => columns.map((column) => oneLine(column.cell(row))));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => line[index]!.length)),
  );
  const format = (values: readonly string[]) =>
    values
      .map((value, index) => (index === values.length - 1 ? value : value.padEnd(widths[index]!)))
      .join("  ")
      .trimEnd();
  return [format(columns.map((column) => column.header)), ...cells.map(format)];
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ⏎ ");
}
