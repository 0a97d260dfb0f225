/**
 * Gateway-added latency: a fake imsg peer (bench/lib/timed-imsg-peer.ts, the gateway's `cliPath`) writes
 * `message` notifications at a fixed rate and timestamps each write and the read of the `send` that answers
 * it (echo agent). Measured from outside the gateway, with no chat.db and no watch poll in between. Baseline
 * in the same run: the same peer behind a trivial relay process (bench/lib/echo-relay.ts) that answers
 * each notification with a `send` as soon as it parses the line.
 * Run: `node --conditions=@imgate/source bench/gateway-latency.ts [seconds] [rate]`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startGatewayProcess, writeNodeWrapper } from "./lib/gateway-process.ts";
import { quantile, waitFor } from "./lib/stats.ts";

const PEER = fileURLToPath(new URL("./lib/timed-imsg-peer.ts", import.meta.url));
const RELAY = fileURLToPath(new URL("./lib/echo-relay.ts", import.meta.url));
const CHATS = 10;

/** Latency percentiles of one path, in milliseconds. */
export interface LatencyFigure {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Messages measured (after the warm-up). */
  measured: number;
  /** Messages that never got a `send`. */
  unanswered: number;
}

/** What {@link runGatewayLatency} measured. */
export interface GatewayLatencyResult {
  name: "gateway-latency";
  rate: number;
  seconds: number;
  warmupSeconds: number;
  baseline: LatencyFigure;
  gateway: LatencyFigure;
  /** gateway p99 minus baseline p99: what the gateway adds (target gateway p99 ≤ 5 ms). */
  addedP99: number;
  /** gateway p99 / baseline p99. */
  ratioP99: number;
}

interface PeerResult {
  latenciesMs: number[];
}

function figure(result: PeerResult, warmup: number): LatencyFigure {
  const measured = result.latenciesMs.slice(warmup);
  const answered = measured.filter((ms) => ms >= 0);
  return {
    p50: quantile(answered, 0.5),
    p90: quantile(answered, 0.9),
    p99: quantile(answered, 0.99),
    max: quantile(answered, 1),
    measured: measured.length,
    unanswered: measured.length - answered.length,
  };
}

async function readPeerResult(file: string, timeoutMs: number): Promise<PeerResult> {
  return waitFor(
    () => (existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as PeerResult) : undefined),
    "the peer's results",
    timeoutMs,
    200,
  );
}

/** Runs the baseline relay and then the gateway against the same peer; returns both figures. */
export async function runGatewayLatency(seconds = 30, rate = 200): Promise<GatewayLatencyResult> {
  const warmupSeconds = Math.min(5, Math.max(1, Math.round(seconds / 6)));
  const count = Math.round(rate * (seconds + warmupSeconds));
  const warmup = rate * warmupSeconds;
  const dir = mkdtempSync(join(tmpdir(), "imgate-bench-latency-"));
  const peerEnv = (out: string) => ({
    BENCH_PEER_RATE: String(rate),
    BENCH_PEER_COUNT: String(count),
    BENCH_PEER_CHATS: String(CHATS),
    BENCH_PEER_GRACE_MS: "5000",
    BENCH_PEER_OUT: out,
  });
  const waitMs = (seconds + warmupSeconds) * 1000 + 60_000;
  try {
    // Baseline: the relay spawns the peer the way the gateway does.
    const baselineOut = join(dir, "baseline.json");
    const baselinePeer = writeNodeWrapper(join(dir, "imsg-baseline"), PEER, peerEnv(baselineOut));
    const relay = spawn(process.execPath, [RELAY, baselinePeer], { stdio: ["ignore", "inherit", "inherit"] });
    const baselineResult = await readPeerResult(baselineOut, waitMs);
    relay.kill("SIGTERM");

    const gatewayOut = join(dir, "gateway.json");
    const gatewayPeer = writeNodeWrapper(join(dir, "imsg-gateway"), PEER, peerEnv(gatewayOut));
    const handles = Array.from({ length: CHATS }, (_, c) => `+1555000${String(c).padStart(4, "0")}`);
    const gateway = await startGatewayProcess({
      dir,
      imessage: {
        cliPath: gatewayPeer,
        dbPath: join(dir, "chat.db"),
        dmPolicy: "allowlist",
        allowFrom: handles,
      },
    });
    let gatewayResult: PeerResult;
    try {
      await gateway.ready();
      gatewayResult = await readPeerResult(gatewayOut, waitMs);
    } finally {
      await gateway.stop();
    }
    const baseline = figure(baselineResult, warmup);
    const measured = figure(gatewayResult, warmup);
    return {
      name: "gateway-latency",
      rate,
      seconds,
      warmupSeconds,
      baseline,
      gateway: measured,
      addedP99: measured.p99 - baseline.p99,
      ratioP99: measured.p99 / baseline.p99,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Formats the figures as a table. */
export function formatGatewayLatency(r: GatewayLatencyResult): string {
  const ms = (value: number) => value.toFixed(2).padStart(7);
  const row = (label: string, f: LatencyFigure) =>
    `| ${label.padEnd(38)} | ${ms(f.p50)} | ${ms(f.p90)} | ${ms(f.p99)} | ${ms(f.max)} | ${String(f.unanswered).padStart(10)} |`;
  return [
    `gateway-latency: notification written → send read, ${r.rate} msg/s for ${r.seconds} s (+${r.warmupSeconds} s warm-up), echo agent, 10 DM chats`,
    `| ${"path".padEnd(38)} | ${"p50 ms".padStart(7)} | ${"p90 ms".padStart(7)} | ${"p99 ms".padStart(7)} | ${"max ms".padStart(7)} | ${"unanswered".padStart(10)} |`,
    `|${"-".repeat(40)}|${"-".repeat(9)}|${"-".repeat(9)}|${"-".repeat(9)}|${"-".repeat(9)}|${"-".repeat(12)}|`,
    row("baseline: echo relay process", r.baseline),
    row("imgate gateway (echo agent)", r.gateway),
    `gateway p99 ${r.gateway.p99.toFixed(2)} ms (target ≤ 5 ms: ${r.gateway.p99 <= 5 ? "met" : "NOT met"}); adds ${r.addedP99.toFixed(2)} ms over the relay at p99 (${r.ratioP99.toFixed(1)}×)`,
  ].join("\n");
}

if (import.meta.main) {
  const seconds = Number(process.argv[2] ?? 30);
  const rate = Number(process.argv[3] ?? 200);
  console.log(formatGatewayLatency(await runGatewayLatency(seconds, rate)));
}
