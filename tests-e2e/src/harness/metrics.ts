/**
 * The value of one Prometheus sample in `text` (the gateway's `GET /metrics`), matching `name` and every
 * given label exactly; 0 when no such sample exists yet (counters start absent).
 */
export function metricValue(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf("{");
    const close = line.lastIndexOf("}");
    const found: Record<string, string> = {};
    if (open >= 0 && open < line.indexOf(" ")) {
      for (const match of line.slice(open + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        found[match[1] as string] = match[2] as string;
      }
    }
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return 0;
}
