/**
 * CLI cold start: `./imgate --version` and `./imgate pairing list` (the launcher: scripts/toolchain.sh,
 * then `node apps/cli/dist/main.js`) against `node -e 0` with the same Node, alternating, median of N.
 * `./imgate --version` runs once first, untimed, so the launcher's bootstrap and build are not counted.
 * Run: `node bench/cli-cold-start.ts [N]`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./lib/stats.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const LAUNCHER = join(ROOT, "imgate");

/** One timed command. */
export interface ColdStartFigure {
  command: string;
  medianMs: number;
  minMs: number;
  /** medianMs / the `node -e 0` median. */
  ratio: number;
}

/** What {@link runCliColdStart} measured. */
export interface CliColdStartResult {
  name: "cli-cold-start";
  rounds: number;
  figures: ColdStartFigure[];
  /** `--version` ratio (target ≤ 2). */
  versionRatio: number;
}

function timeOnce(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const ms = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(`bench: ${command} ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  }
  return ms;
}

/** Times the three commands `rounds` times each, alternating. */
export function runCliColdStart(rounds = 20): CliColdStartResult {
  const dir = mkdtempSync(join(tmpdir(), "imgate-bench-cli-"));
  try {
    const config = join(dir, "imgate.json5");
    writeFileSync(config, "{ channels: { imessage: { cliPath: 'imsg' } } }\n");
    const env = { ...process.env, IMGATE_STATE_DIR: join(dir, "state"), IMGATE_CONFIG: config };
    const commands: Array<[string, string, string[]]> = [
      ["node -e 0 (baseline)", process.execPath, ["-e", "0"]],
      ["./imgate --version", LAUNCHER, ["--version"]],
      ["./imgate pairing list", LAUNCHER, ["pairing", "list"]],
    ];
    // Untimed: bootstrap/build if needed, and a warm page cache for all three.
    for (const [, command, args] of commands) timeOnce(command, args, env);
    const times = commands.map((): number[] => []);
    for (let round = 0; round < rounds; round++) {
      commands.forEach(([, command, args], i) => {
        times[i]!.push(timeOnce(command, args, env));
      });
    }
    const baseline = median(times[0]!);
    const figures = commands.map(([label], i) => ({
      command: label,
      medianMs: median(times[i]!),
      minMs: Math.min(...times[i]!),
      ratio: median(times[i]!) / baseline,
    }));
    return { name: "cli-cold-start", rounds, figures, versionRatio: figures[1]!.ratio };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Formats the figures as a table. */
export function formatCliColdStart(r: CliColdStartResult): string {
  const row = (f: ColdStartFigure) =>
    `| ${f.command.padEnd(24)} | ${f.medianMs.toFixed(1).padStart(9)} | ${f.minMs.toFixed(1).padStart(7)} | ${f.ratio.toFixed(2).padStart(6)}× |`;
  return [
    `cli-cold-start: median of ${r.rounds}, alternating, same Node (${process.version})`,
    `| ${"command".padEnd(24)} | ${"median ms".padStart(9)} | ${"min ms".padStart(7)} | ${"ratio".padStart(7)} |`,
    `|${"-".repeat(26)}|${"-".repeat(11)}|${"-".repeat(9)}|${"-".repeat(9)}|`,
    ...r.figures.map(row),
    `--version ${r.versionRatio.toFixed(2)}× node -e 0 (target ≤ 2×: ${r.versionRatio <= 2 ? "met" : "NOT met"})`,
  ].join("\n");
}

if (import.meta.main) {
  console.log(formatCliColdStart(runCliColdStart(Number(process.argv[2] ?? 20))));
}
