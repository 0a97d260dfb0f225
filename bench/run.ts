/**
 * `pnpm bench [name…] [--quick]`: runs the benchmarks (all, or the named ones) one after another, prints
 * each one's table as it finishes, then one summary table, and writes bench/results.json.
 *
 * The workspace packages are imported from their sources (`@imgate/source` export condition), so the
 * figures are those of the working tree without a build step and never of a stale dist. `pnpm bench` runs
 * plain `node bench/run.ts`, so this script re-executes itself once with the condition (and without the
 * node:sqlite experimental warning) before importing anything from the workspace.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CONDITION = "--conditions=@imgate/source";

if (!process.execArgv.includes(CONDITION)) {
  const result = spawnSync(
    process.execPath,
    [
      CONDITION,
      "--disable-warning=ExperimentalWarning",
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: "inherit" },
  );
  process.exit(result.status ?? 1);
}

/** One line of the summary: a headline figure, its baseline from the same run, and the target. */
interface SummaryRow {
  benchmark: string;
  metric: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  met: boolean | undefined;
}

interface Benchmark {
  name: string;
  /** Runs the benchmark; prints its own table; returns the raw result and its summary rows. */
  run(quick: boolean): Promise<{ result: unknown; table: string; summary: SummaryRow[] }>;
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const benchmarks: Benchmark[] = [
  {
    name: "rpc-throughput",
    async run(quick) {
      const { runRpcThroughput, formatRpcThroughput } = await import("./rpc-throughput.ts");
      const r = await runRpcThroughput(quick ? 20_000 : 100_000, quick ? 1 : 3);
      return {
        result: r,
        table: formatRpcThroughput(r),
        summary: [
          {
            benchmark: r.name,
            metric: "messages/s through imsg-rpc",
            value: fmt(r.client.messagesPerSecond),
            baseline: `${fmt(r.baseline.messagesPerSecond)} (split + JSON.parse)`,
            ratio: `${r.ratio.toFixed(2)}×`,
            target: "≥ 0.5×",
            met: r.ratio >= 0.5,
          },
        ],
      };
    },
  },
  {
    name: "core-pipeline",
    async run(quick) {
      const { runCorePipelineBench } = await import("./core-pipeline.ts");
      const r = await runCorePipelineBench(
        quick ? { messages: 20_000, unbatchedMessages: 1_000 } : { messages: 100_000 },
      );
      const [memory, full, normal, single, postgres, postgresSingle] = r.figures;
      const table = [
        "core-pipeline: the gateway's inbound pipeline (createInboundDispatch: dedupe → policy → pairing | mention gate → session queue → turn stand-in; group commit with the cursor)",
        ...r.figures.map(
          (f) =>
            `| ${f.run.padEnd(40)} | ${fmt(f.messages).padStart(8)} | batch ${String(f.batchSize).padStart(3)} | ${fmt(f.messagesPerSecond).padStart(9)} msg/s |`,
        ),
        `policy outcomes: ${JSON.stringify(r.decisions)}`,
      ].join("\n");
      const row = (metric: string, f: typeof full): SummaryRow => ({
        benchmark: "core-pipeline",
        metric,
        value: `${fmt(f!.messagesPerSecond)} msg/s`,
        baseline: `${fmt(memory!.messagesPerSecond)} (:memory:)`,
        ratio: `${(f!.messagesPerSecond / memory!.messagesPerSecond).toFixed(2)}×`,
        target: "—",
        met: undefined,
      });
      return {
        result: r,
        table,
        summary: [
          row("state.db, batch 100, synchronous=FULL", full),
          row("state.db, batch 100, synchronous=NORMAL", normal),
          row("state.db, 1 msg/transaction, FULL", single),
          {
            benchmark: "core-pipeline",
            metric: "PostgreSQL (commits flushed), batch 100",
            value: `${fmt(postgres!.messagesPerSecond)} msg/s`,
            baseline: `${fmt(normal!.messagesPerSecond)} (state.db, NORMAL)`,
            ratio: `${(postgres!.messagesPerSecond / normal!.messagesPerSecond).toFixed(2)}×`,
            target: "—",
            met: undefined,
          },
          {
            benchmark: "core-pipeline",
            metric: "PostgreSQL, 1 msg/transaction",
            value: `${fmt(postgresSingle!.messagesPerSecond)} msg/s`,
            baseline: `${fmt(single!.messagesPerSecond)} (state.db, FULL, 1 msg/transaction)`,
            ratio: `${(postgresSingle!.messagesPerSecond / single!.messagesPerSecond).toFixed(2)}×`,
            target: "—",
            met: undefined,
          },
        ],
      };
    },
  },
  {
    name: "state-commit",
    async run(quick) {
      const { runStateCommit, formatStateCommit } = await import("./state-commit.ts");
      const r = await runStateCommit(quick ? 1_000 : 5_000);
      return {
        result: r,
        table: formatStateCommit(r),
        summary: r.ratios.map(({ batchSize, ratio }) => {
          const rate = (store: string) =>
            r.figures.find((f) => f.store === store && f.batchSize === batchSize)?.messagesPerSecond ?? 0;
          return {
            benchmark: r.name,
            metric: `group commit msg/s on PostgreSQL, ${batchSize === 1 ? "1 msg" : `${batchSize} msgs`} per commit`,
            value: fmt(rate("postgres")),
            baseline: `${fmt(rate("sqlite"))} (SQLite state.db)`,
            ratio: `${ratio.toFixed(2)}×`,
            target: "—",
            met: undefined,
          };
        }),
      };
    },
  },
  {
    name: "ssh-fetch",
    async run(quick) {
      const { runSshFetch, formatSshFetch } = await import("./ssh-fetch.ts");
      const r = await runSshFetch(quick ? 10 : 50, quick ? 3 : 5);
      return {
        result: r,
        table: formatSshFetch(r),
        summary: [
          {
            benchmark: r.name,
            metric: `${fmt(r.bytes / 1024 / 1024)} MiB fetch, warm connection`,
            value: `${fmt(r.remoteSshMs)} ms`,
            baseline: `${fmt(r.scpMs)} ms (OpenSSH scp)`,
            ratio: `${r.ratio.toFixed(2)}× scp speed`,
            target: "≥ 1.0×",
            met: r.ratio >= 1,
          },
        ],
      };
    },
  },
  {
    name: "gateway-latency",
    async run(quick) {
      const { runGatewayLatency, formatGatewayLatency } = await import("./gateway-latency.ts");
      const r = await runGatewayLatency(quick ? 5 : 30, 200);
      const row = (metric: string, value: number, baseline: number, target: string, met?: boolean) => ({
        benchmark: r.name,
        metric,
        value: `${value.toFixed(2)} ms`,
        baseline: `${baseline.toFixed(2)} ms (echo relay)`,
        ratio: `+${(value - baseline).toFixed(2)} ms`,
        target,
        met,
      });
      return {
        result: r,
        table: formatGatewayLatency(r),
        summary: [
          row(`p50 at ${r.rate} msg/s, ${r.seconds} s`, r.gateway.p50, r.baseline.p50, "—"),
          row(
            `p99 at ${r.rate} msg/s, ${r.seconds} s`,
            r.gateway.p99,
            r.baseline.p99,
            "≤ 5 ms",
            r.gateway.p99 <= 5,
          ),
        ],
      };
    },
  },
  {
    name: "catch-up",
    async run(quick) {
      const { runCatchUp, formatCatchUp } = await import("./catch-up.ts");
      const r = await runCatchUp(quick ? 10_000 : 50_000);
      return {
        result: r,
        table: formatCatchUp(r),
        summary: [
          {
            benchmark: r.name,
            metric: `${fmt(r.messages)}-row backlog, rows/s`,
            value: fmt(r.gatewayPerSecond),
            baseline: `${fmt(r.figures[0]!.messagesPerSecond)} (imsg-rpc watch)`,
            ratio: `${r.ratio.toFixed(2)}×`,
            target: "≥ 5,000/s",
            met: r.gatewayPerSecond >= 5000,
          },
        ],
      };
    },
  },
  {
    name: "cli-cold-start",
    async run(quick) {
      const { runCliColdStart, formatCliColdStart } = await import("./cli-cold-start.ts");
      const r = runCliColdStart(quick ? 5 : 20);
      const base = r.figures[0]!;
      return {
        result: r,
        table: formatCliColdStart(r),
        summary: r.figures.slice(1).map((f) => ({
          benchmark: r.name,
          metric: f.command,
          value: `${fmt(f.medianMs, 1)} ms`,
          baseline: `${fmt(base.medianMs, 1)} ms (node -e 0)`,
          ratio: `${f.ratio.toFixed(2)}×`,
          target: f.command.endsWith("--version") ? "≤ 2×" : "—",
          met: f.command.endsWith("--version") ? f.ratio <= 2 : undefined,
        })),
      };
    },
  },
  {
    name: "typing-latency",
    async run(quick) {
      const { runTypingLatency, formatTypingLatency } = await import("./typing-latency.ts");
      const r = await runTypingLatency(quick ? 5 : 60);
      const row = (metric: string, value: number, base: number): SummaryRow => ({
        benchmark: r.name,
        metric,
        value: `${fmt(value)} ms`,
        baseline: `${fmt(base)} ms (debounce 500)`,
        ratio: `${(value / base).toFixed(2)}×`,
        target: "—",
        met: undefined,
      });
      return {
        result: r,
        table: formatTypingLatency(r),
        summary: [
          row("row → typing p50, watchDebounceMs 100", r.measured.typingP50, r.baseline.typingP50),
          row("row → typing p99", r.measured.typingP99, r.baseline.typingP99),
          row("row → reply send p50", r.measured.replyP50, r.baseline.replyP50),
          row("row → reply send p99", r.measured.replyP99, r.baseline.replyP99),
        ],
      };
    },
  },
  {
    name: "idle-rss",
    async run(quick) {
      const { runIdleRss, formatIdleRss } = await import("./idle-rss.ts");
      const r = await runIdleRss(quick ? 3 : 10);
      const sims = r.simsMiB.reduce((a, b) => a + b, 0);
      return {
        result: r,
        table: formatIdleRss(r),
        summary: [
          {
            benchmark: r.name,
            metric: "gateway RSS, 3 accounts, idle",
            value: `${fmt(r.gatewayMiB, 1)} MiB`,
            baseline: `${fmt(r.bareNodeMiB, 1)} MiB (idle node)`,
            ratio: `${r.ratio.toFixed(1)}×`,
            target: "≤ 100 MB",
            met: r.gatewayMiB * 1.048576 <= 100,
          },
          {
            benchmark: r.name,
            metric: "imsg-sim children RSS (3, not the gateway)",
            value: `${fmt(sims, 1)} MiB`,
            baseline: "—",
            ratio: "—",
            target: "—",
            met: undefined,
          },
        ],
      };
    },
  },
];

function summaryTable(rows: SummaryRow[]): string {
  const header = ["benchmark", "metric", "value", "baseline (same run)", "ratio", "target", "met"];
  const cells = rows.map((r) => [
    r.benchmark,
    r.metric,
    r.value,
    r.baseline,
    r.ratio,
    r.target,
    r.met === undefined ? "—" : r.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}

const args = process.argv.slice(2).filter((arg) => arg !== "--");
const quick = args.includes("--quick");
const names = args.filter((arg) => !arg.startsWith("--"));
const unknown = names.filter((name) => !benchmarks.some((b) => b.name === name));
if (unknown.length > 0) {
  console.error(
    `bench: unknown benchmark ${unknown.join(", ")}; choose from ${benchmarks.map((b) => b.name).join(", ")}.`,
  );
  process.exit(2);
}
const selected = names.length === 0 ? benchmarks : benchmarks.filter((b) => names.includes(b.name));

const results: Record<string, unknown> = {};
const summary: SummaryRow[] = [];
const failures: string[] = [];
for (const benchmark of selected) {
  console.log(`\n== ${benchmark.name}${quick ? " (quick)" : ""} ==`);
  const started = performance.now();
  try {
    const { result, table, summary: rows } = await benchmark.run(quick);
    console.log(table);
    results[benchmark.name] = result;
    summary.push(...rows);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`bench: ${benchmark.name} failed: ${message}`);
    failures.push(benchmark.name);
    results[benchmark.name] = { error: message };
    summary.push({
      benchmark: benchmark.name,
      metric: "failed",
      value: message.slice(0, 60),
      baseline: "—",
      ratio: "—",
      target: "—",
      met: false,
    });
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

console.log(`\n== summary${quick ? " (quick mode: shorter runs, noisier figures)" : ""} ==`);
console.log(summaryTable(summary));
const out = fileURLToPath(new URL("./results.json", import.meta.url));
writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      quick,
      summary,
      results,
    },
    null,
    2,
  )}\n`,
);
console.log(`results: ${out}`);
process.exitCode = failures.length > 0 ? 1 : 0;
