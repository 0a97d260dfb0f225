/** One sample of a Prometheus text exposition: metric name, labels and value. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text format served at the gateway's `GET /metrics` (comments skipped). */
export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(LABEL)) labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of `name` over samples whose labels include `where`. */
export function sumMetric(
  samples: readonly MetricSample[],
  name: string,
  where: Record<string, string> = {},
): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

/** `GET <controlUrl>/metrics`, parsed; an empty list when the gateway is not answering within 5 s. */
export async function scrapeMetrics(controlUrl: string): Promise<MetricSample[]> {
  try {
    // A fresh connection and a deadline: a scrape racing a SIGKILL must not leave the driver waiting forever.
    const response = await fetch(`${controlUrl}/metrics`, {
      signal: AbortSignal.timeout(5_000),
      headers: { connection: "close" },
    });
    if (!response.ok) return [];
    return parsePrometheusText(await response.text());
  } catch {
    return [];
  }
}
