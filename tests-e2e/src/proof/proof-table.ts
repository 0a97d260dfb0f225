/** Renders a suite's counts as a two-column table on stdout, so long runs leave a readable record. */

/** One row: a label and its value. */
export type ProofRow = readonly [label: string, value: string | number];

/** Formats `rows` under `title` as a plain-text table. */
export function formatProofTable(title: string, rows: readonly ProofRow[]): string {
  const width = Math.max(title.length, ...rows.map(([label]) => label.length));
  const valueWidth = Math.max(5, ...rows.map(([, value]) => String(value).length));
  const rule = `+${"-".repeat(width + 2)}+${"-".repeat(valueWidth + 2)}+`;
  const line = (label: string, value: string) => `| ${label.padEnd(width)} | ${value.padStart(valueWidth)} |`;
  return [rule, line(title, ""), rule, ...rows.map(([l, v]) => line(l, String(v))), rule].join("\n");
}

/** Prints {@link formatProofTable} to stdout. */
export function printProofTable(title: string, rows: readonly ProofRow[]): void {
  process.stdout.write(`\n${formatProofTable(title, rows)}\n`);
}
