/**
 * Idle memory: the gateway process with three accounts, each on its own imsg-sim (0.15) child and chat.db,
 * after a warm-up (one DM answered per account) and a quiet period. Reports the gateway's RSS and,
 * separately, its imsg-sim children's; baseline in the same run: an idle `node` process of the same
 * version. The gateway runs the way users run it (`./imgate gateway`: the built dist, no type stripping).
 * Linux only (reads /proc). Run: `node --conditions=@imgate/source bench/idle-rss.ts [idleSeconds]`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSimDb, IMSG_BIN, injectMessage } from "@imgate/imsg-sim/testing";
import { startGatewayProcess } from "./lib/gateway-process.ts";
import { waitFor } from "./lib/stats.ts";

/** What {@link runIdleRss} measured (MiB = 1024² bytes; the 100 MB target is checked in 10^6 bytes). */
export interface IdleRssResult {
  name: "idle-rss";
  idleSeconds: number;
  /** Gateway process RSS in MiB (target ≤ 100). */
  gatewayMiB: number;
  /** RSS of each imsg-sim child, MiB. */
  simsMiB: number[];
  /** An idle `node` with a timer, same binary. */
  bareNodeMiB: number;
  /** gateway / bare node. */
  ratio: number;
}

const ACCOUNTS = ["alpha", "beta", "gamma"] as const;
const SENDER = "+15550001111";

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`bench: no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}

/** Every descendant pid of `pid` (via /proc/<pid>/task/<tid>/children). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (parent: number) => {
    let children: number[] = [];
    try {
      children = readFileSync(`/proc/${parent}/task/${parent}/children`, "utf8")
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return;
    }
    for (const child of children) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** Starts the three-account gateway, warms it up, idles, and reads RSS. */
export async function runIdleRss(idleSeconds = 10): Promise<IdleRssResult> {
  const dir = mkdtempSync(join(tmpdir(), "imgate-bench-rss-"));
  const bare = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  try {
    const dbs = ACCOUNTS.map((account) => createSimDb(join(dir, account)));
    const gateway = await startGatewayProcess({
      dir,
      imessage: {
        cliPath: IMSG_BIN,
        dmPolicy: "allowlist",
        allowFrom: [SENDER],
        accounts: Object.fromEntries(ACCOUNTS.map((account, i) => [account, { dbPath: dbs[i] }])),
      },
      env: { IMSG_SIM_COMPAT: "0.15" },
      entry: "launcher",
    });
    try {
      await gateway.ready();
      for (const db of dbs) injectMessage(db, { from: SENDER, text: "warm-up" });
      await waitFor(
        async () => {
          const sent = [...(await gateway.metrics()).matchAll(/imgate_messages_out_total\{[^}]*\} (\d+)/g)];
          return sent.reduce((sum, m) => sum + Number(m[1]), 0) >= ACCOUNTS.length ? true : undefined;
        },
        "one reply per account",
        60_000,
        100,
      );
      await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
      const gatewayMiB = rssMiB(gateway.pid);
      // The sims are the gateway's descendants that run node (their sh wrapper execs node).
      const simsMiB = descendants(gateway.pid)
        .filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("imsg-sim"))
        .map(rssMiB);
      const bareNodeMiB = rssMiB(bare.pid ?? 0);
      return {
        name: "idle-rss",
        idleSeconds,
        gatewayMiB,
        simsMiB,
        bareNodeMiB,
        ratio: gatewayMiB / bareNodeMiB,
      };
    } finally {
      await gateway.stop();
    }
  } finally {
    bare.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Formats the figures as a table. */
export function formatIdleRss(r: IdleRssResult): string {
  const row = (label: string, mib: number) => `| ${label.padEnd(40)} | ${mib.toFixed(1).padStart(8)} |`;
  return [
    `idle-rss: gateway with ${ACCOUNTS.length} accounts (imsg-sim 0.15 each), after one reply per account and ${r.idleSeconds} s idle`,
    `| ${"process".padEnd(40)} | ${"RSS MiB".padStart(8)} |`,
    `|${"-".repeat(42)}|${"-".repeat(10)}|`,
    row("baseline: idle node (same binary)", r.bareNodeMiB),
    row("imgate gateway", r.gatewayMiB),
    ...r.simsMiB.map((mib, i) => row(`imsg-sim child ${i + 1} (not the gateway)`, mib)),
    `gateway ${r.gatewayMiB.toFixed(1)} MiB = ${r.ratio.toFixed(1)}× bare node (target ≤ 100 MB: ${r.gatewayMiB * 1.048576 <= 100 ? "met" : "NOT met"}); sims ${r.simsMiB.reduce((a, b) => a + b, 0).toFixed(1)} MiB together`,
  ].join("\n");
}

if (import.meta.main) {
  console.log(formatIdleRss(await runIdleRss(Number(process.argv[2] ?? 10))));
}
