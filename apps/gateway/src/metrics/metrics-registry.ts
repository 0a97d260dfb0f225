/**
 * A minimal Prometheus registry: counters and histograms with labels, rendered in the text exposition
 * format (version 0.0.4). Enough for the gateway's handful of series; no dependency.
 */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function renderLabels(labels: Labels, extra?: [string, string]): string {
  const entries = Object.entries(labels);
  if (extra) entries.push(extra);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  return Number.isInteger(value) ? String(value) : value.toPrecision(12).replace(/\.?0+$/, "");
}

function renderCollected(name: string, help: string, type: string, samples: Sample[]): string[] {
  return [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} ${type}`,
    ...samples.map(({ labels, value }) => `${name}${renderLabels(labels)} ${formatNumber(value)}`),
  ];
}

/** A monotonically increasing count, one series per label set. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
  /** Current value for a label set (0 when never incremented). */
  get(labels?: Labels): number;
}

/** A distribution of observations in fixed buckets (seconds, for latencies). */
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

/** One series of a collected metric: its labels and current value. */
export interface Sample {
  labels: Labels;
  value: number;
}

/** Holds metrics and renders them. */
export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  /** A counter whose series are read from `collect` at every render (e.g. a library's own counters). */
  collectedCounter(name: string, help: string, collect: () => Sample[]): void;
  /** A gauge whose series are read from `collect` at every render (e.g. a queue's current size). */
  collectedGauge(name: string, help: string, collect: () => Sample[]): void;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  /** Prometheus text exposition format. */
  render(): string;
}

/** Creates an empty {@link MetricsRegistry}. */
export function createMetricsRegistry(): MetricsRegistry {
  const renderers: Array<() => string[]> = [];
  return {
    counter(name, help) {
      const series = new Map<string, { labels: Labels; value: number }>();
      renderers.push(() => {
        const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} counter`];
        for (const { labels, value } of series.values())
          lines.push(`${name}${renderLabels(labels)} ${formatNumber(value)}`);
        return lines;
      });
      return {
        inc(labels = {}, by = 1) {
          const key = labelKey(labels);
          const entry = series.get(key) ?? { labels: { ...labels }, value: 0 };
          entry.value += by;
          series.set(key, entry);
        },
        get(labels = {}) {
          return series.get(labelKey(labels))?.value ?? 0;
        },
      };
    },
    histogram(name, help, buckets) {
      const bounds = [...buckets].sort((a, b) => a - b);
      const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
      renderers.push(() => {
        const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
        for (const entry of series.values()) {
          let cumulative = 0;
          bounds.forEach((bound, index) => {
            cumulative += entry.counts[index]!;
            lines.push(
              `${name}_bucket${renderLabels(entry.labels, ["le", formatNumber(bound)])} ${cumulative}`,
            );
          });
          lines.push(`${name}_bucket${renderLabels(entry.labels, ["le", "+Inf"])} ${entry.count}`);
          lines.push(`${name}_sum${renderLabels(entry.labels)} ${formatNumber(entry.sum)}`);
          lines.push(`${name}_count${renderLabels(entry.labels)} ${entry.count}`);
        }
        return lines;
      });
      return {
        observe(labels, value) {
          const key = labelKey(labels);
          const entry = series.get(key) ?? {
            labels: { ...labels },
            counts: bounds.map(() => 0),
            sum: 0,
            count: 0,
          };
          const index = bounds.findIndex((bound) => value <= bound);
          if (index >= 0) entry.counts[index]! += 1;
          entry.sum += value;
          entry.count += 1;
          series.set(key, entry);
        },
      };
    },
    collectedCounter(name, help, collect) {
      renderers.push(() => renderCollected(name, help, "counter", collect()));
    },
    collectedGauge(name, help, collect) {
      renderers.push(() => renderCollected(name, help, "gauge", collect()));
    },
    render() {
      return `${renderers.flatMap((render) => render()).join("\n")}\n`;
    },
  };
}
