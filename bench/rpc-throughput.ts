/**
 * imsg-rpc throughput: N realistic `message` notifications streamed from a child process through the
 * whole client (NDJSON framing → zod validation → subscription routing → watch handler, awaited per
 * message) against a split-lines + JSON.parse baseline over the same bytes from the same child, in
 * the same run. Run: `node --conditions=@imgate/source bench/rpc-throughput.ts [N]`.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createImsgClient, spawnTransport } from "@imgate/imsg-rpc";

const EMITTER = fileURLToPath(new URL("./lib/ndjson-emitter.ts", import.meta.url));

/** One measured path. */
export interface ThroughputFigure {
  seconds: number;
  messagesPerSecond: number;
  megabytesPerSecond: number;
}

/** What {@link runRpcThroughput} measured. */
export interface RpcThroughputResult {
  name: "rpc-throughput";
  messages: number;
  bytes: number;
  baseline: ThroughputFigure;
  client: ThroughputFigure;
  /** client / baseline messages per second (target ≥ 0.5). */
  ratio: number;
}

function figure(messages: number, bytes: number, ms: number): ThroughputFigure {
  const seconds = ms / 1000;
  return { seconds, messagesPerSecond: messages / seconds, megabytesPerSecond: bytes / 1e6 / seconds };
}

/** Baseline: read the child's stdout, split on `\n`, JSON.parse each line. Returns [ms, bytes]. */
function runBaseline(messages: number): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EMITTER, "raw", String(messages)], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let parsed = 0;
    let bytes = 0;
    let rest: Buffer | undefined;
    let started = 0;
    let ready = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (!ready) {
        // The child prepares its payload first and says `ready`; the clock starts at the request.
        ready = true;
        started = performance.now();
        child.stdin.write("go\n");
        const nl = chunk.indexOf(10);
        chunk = chunk.subarray(nl + 1);
        if (chunk.length === 0) return;
      }
      bytes += chunk.length;
      const data = rest ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        JSON.parse(data.toString("utf8", start, nl));
        parsed++;
        start = nl + 1;
      }
      rest = start < data.length ? data.subarray(start) : undefined;
      if (parsed === messages) {
        const elapsed = performance.now() - started;
        child.stdin.end();
        resolve([elapsed, bytes]);
      }
    });
    child.on("error", reject);
  });
}

/** imsg-rpc: the supervised client with one watch; the child streams on `watch.subscribe`. */
async function runClient(messages: number): Promise<number> {
  const bench = createImsgClient({
    // The transport's real spawn path (`<cliPath> rpc`), with the emitter script in front of the args.
    transport: spawnTransport({
      cliPath: process.execPath,
      spawn: (command, args, options) =>
        spawn(command, [EMITTER, "imsg", String(messages), ...args], options),
    }),
    timeouts: { defaultMs: 60_000 },
  });
  await bench.start();
  let handled = 0;
  let started = 0;
  const elapsed = await new Promise<number>((resolve) => {
    started = performance.now();
    bench.watch({ sinceRowid: 0 }, (message) => {
      handled++;
      if (message.id !== handled) throw new Error(`out of order: ${message.id} after ${handled - 1}`);
      if (handled === messages) resolve(performance.now() - started);
    });
  });
  const stats = bench.stats();
  await bench.stop();
  if (stats.validationErrors > 0 || stats.invalidJson > 0)
    throw new Error("the bench stream failed validation");
  return elapsed;
}

/**
 * Runs a warm-up, then both paths `rounds` times alternately (the machine is shared; the best round of
 * each path is kept), and returns the figures.
 */
export async function runRpcThroughput(messages = 100_000, rounds = 3): Promise<RpcThroughputResult> {
  await runBaseline(2000);
  await runClient(2000);
  let baselineMs = Number.POSITIVE_INFINITY;
  let clientMs = Number.POSITIVE_INFINITY;
  let bytes = 0;
  for (let round = 0; round < rounds; round++) {
    const [ms, size] = await runBaseline(messages);
    baselineMs = Math.min(baselineMs, ms);
    bytes = size;
    clientMs = Math.min(clientMs, await runClient(messages));
  }
  const baseline = figure(messages, bytes, baselineMs);
  const client = figure(messages, bytes, clientMs);
  return {
    name: "rpc-throughput",
    messages,
    bytes,
    baseline,
    client,
    ratio: client.messagesPerSecond / baseline.messagesPerSecond,
  };
}

/** Formats the figures as a table. */
export function formatRpcThroughput(result: RpcThroughputResult): string {
  const row = (label: string, f: ThroughputFigure) =>
    `| ${label.padEnd(44)} | ${Math.round(f.messagesPerSecond).toLocaleString("en-US").padStart(12)} | ${f.megabytesPerSecond.toFixed(1).padStart(6)} | ${(f.seconds * 1000).toFixed(0).padStart(7)} |`;
  return [
    `rpc-throughput: ${result.messages.toLocaleString("en-US")} message notifications, avg ${Math.round(result.bytes / result.messages)} B, child process → parent`,
    `| ${"path".padEnd(44)} | ${"messages/s".padStart(12)} | ${"MB/s".padStart(6)} | ${"ms".padStart(7)} |`,
    `|${"-".repeat(46)}|${"-".repeat(14)}|${"-".repeat(8)}|${"-".repeat(9)}|`,
    row("baseline: split lines + JSON.parse", result.baseline),
    row("imsg-rpc: parse + validate + dispatch + watch", result.client),
    `ratio imsg-rpc / baseline: ${result.ratio.toFixed(2)} (target ≥ 0.5; best of each path's rounds)`,
  ].join("\n");
}

if (import.meta.main) {
  const messages = Number(process.argv[2] ?? 100_000);
  console.log(formatRpcThroughput(await runRpcThroughput(messages)));
}
