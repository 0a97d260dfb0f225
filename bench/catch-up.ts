/**
 * Catch-up after downtime: the gateway (echo agent, imsg-sim 0.15 as `cliPath`) persists a cursor, stops,
 * a backlog is seeded into chat.db (`seedHistory`: DMs and groups, a third of the rows outbound), and the
 * gateway starts again; messages/s until its persisted cursor reaches the last seeded row (every outcome
 * durable). Baseline in the same run: reading the same rows through imsg-rpc alone, with a watch from the same
 * cursor, and with `messages.after` pages (limit 500).
 * Run: `node --conditions=@imgate/source bench/catch-up.ts [messages]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createImsgClient, spawnTransport } from "@imgate/imsg-rpc";
import { createSimDb, IMSG_BIN, injectMessage, seedHistory } from "@imgate/imsg-sim/testing";
import { startGatewayProcess } from "./lib/gateway-process.ts";
import { waitFor } from "./lib/stats.ts";

/** One measured path. */
export interface CatchUpFigure {
  path: string;
  seconds: number;
  messagesPerSecond: number;
}

/** What {@link runCatchUp} measured. */
export interface CatchUpResult {
  name: "catch-up";
  /** Rows in the backlog (inbound and outbound). */
  messages: number;
  figures: CatchUpFigure[];
  /** Gateway rows per second (target ≥ 5,000). */
  gatewayPerSecond: number;
  /** Gateway / imsg-rpc watch baseline. */
  ratio: number;
  /** Replies the gateway had delivered when its cursor reached the end (delivery continues after). */
  repliesSentAtEnd: number;
}

const SIM_ENV = { IMSG_SIM_COMPAT: "0.15", IMSG_SIM_SELF: "me@icloud.com" };
const CHATS = 10;
const dmHandles = Array.from({ length: CHATS }, (_, c) => `+1555${String(1_000_000 + c).slice(-7)}`);

async function readThroughImsgRpc(db: string, since: number, last: number, paged: boolean): Promise<number> {
  const client = createImsgClient({
    transport: spawnTransport({ cliPath: IMSG_BIN, dbPath: db, env: { ...process.env, ...SIM_ENV } }),
  });
  await client.start();
  try {
    const started = performance.now();
    if (paged) {
      let cursor = since;
      for (;;) {
        const page = await client.messagesAfter({ since_rowid: cursor, limit: 500 });
        const rows = page.messages;
        if (rows.length > 0) cursor = rows[rows.length - 1]!.id;
        if (cursor >= last || !page.has_more) break;
      }
      return performance.now() - started;
    }
    await new Promise<void>((resolve) => {
      client.watch({ sinceRowid: since }, (message) => {
        if (message.id >= last) resolve();
      });
    });
    return performance.now() - started;
  } finally {
    await client.stop();
  }
}

function cursorOf(stateDb: string): number | undefined {
  const db = new DatabaseSync(stateDb, { readOnly: true });
  try {
    const row = db.prepare("SELECT position FROM cursors LIMIT 1").get() as { position: string } | undefined;
    return row ? Number(row.position) : undefined;
  } catch {
    return undefined;
  } finally {
    db.close();
  }
}

/** Seeds `messages` rows behind a persisted cursor and measures the gateway and the imsg-rpc baselines. */
export async function runCatchUp(messages = 50_000): Promise<CatchUpResult> {
  const dir = mkdtempSync(join(tmpdir(), "imgate-bench-catchup-"));
  try {
    const db = createSimDb(dir);
    const imessage = {
      cliPath: IMSG_BIN,
      dbPath: db,
      dmPolicy: "allowlist",
      allowFrom: dmHandles,
      groupPolicy: "open",
      groups: { "*": { requireMention: true } },
    };
    const stateDb = join(dir, "state", "state.db");
    // First run: one message, so the gateway persists its own cursor; then downtime.
    const first = await startGatewayProcess({ dir, imessage, env: SIM_ENV });
    try {
      await first.ready();
      injectMessage(db, { from: dmHandles[0]!, text: "before the downtime" });
      await waitFor(() => cursorOf(stateDb), "the first cursor");
    } finally {
      await first.stop();
    }
    const since = cursorOf(stateDb)!;
    const seeded = seedHistory(db, { messages, chats: CHATS });
    if (seeded.firstRowid <= since) throw new Error("bench: the backlog is not after the cursor");

    const watchMs = await readThroughImsgRpc(db, since, seeded.lastRowid, false);
    const pagedMs = await readThroughImsgRpc(db, since, seeded.lastRowid, true);

    const gateway = await startGatewayProcess({ dir, imessage, env: SIM_ENV });
    let gatewayMs: number;
    let startupMs: number;
    let repliesSentAtEnd = 0;
    try {
      const spawned = performance.now();
      // The clock starts when the control API answers (the process has loaded); the replay starts then too.
      await waitFor(
        async () => ((await fetch(`${gateway.url}/healthz`).catch(() => undefined))?.ok ? true : undefined),
        "the gateway's control API",
        60_000,
        10,
      );
      const started = performance.now();
      startupMs = started - spawned;
      await waitFor(
        () => ((cursorOf(stateDb) ?? 0) >= seeded.lastRowid ? true : undefined),
        "the gateway's cursor to reach the end of the backlog",
        600_000,
        20,
      );
      gatewayMs = performance.now() - started;
      const sent = /imgate_messages_out_total\{[^}]*\} (\d+)/.exec(await gateway.metrics());
      repliesSentAtEnd = sent ? Number(sent[1]) : 0;
    } finally {
      await gateway.stop();
    }
    const figure = (path: string, ms: number): CatchUpFigure => ({
      path,
      seconds: ms / 1000,
      messagesPerSecond: messages / (ms / 1000),
    });
    const figures = [
      figure("baseline: imsg-rpc watch from the cursor", watchMs),
      figure("baseline: imsg-rpc messages.after pages of 500", pagedMs),
      figure("imgate gateway: cursor reaches the last row", gatewayMs),
      figure("imgate gateway incl. process start", gatewayMs + startupMs),
    ];
    const gatewayPerSecond = figures[2]!.messagesPerSecond;
    return {
      name: "catch-up",
      messages,
      figures,
      gatewayPerSecond,
      ratio: gatewayPerSecond / figures[0]!.messagesPerSecond,
      repliesSentAtEnd,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Formats the figures as a table. */
export function formatCatchUp(r: CatchUpResult): string {
  const row = (f: CatchUpFigure) =>
    `| ${f.path.padEnd(48)} | ${f.seconds.toFixed(2).padStart(7)} | ${Math.round(f.messagesPerSecond).toLocaleString("en-US").padStart(10)} |`;
  return [
    `catch-up: ${r.messages.toLocaleString("en-US")}-row backlog behind a persisted cursor (imsg-sim 0.15, echo agent)`,
    `| ${"path".padEnd(48)} | ${"seconds".padStart(7)} | ${"rows/s".padStart(10)} |`,
    `|${"-".repeat(50)}|${"-".repeat(9)}|${"-".repeat(12)}|`,
    ...r.figures.map(row),
    `gateway ${Math.round(r.gatewayPerSecond).toLocaleString("en-US")} rows/s (target ≥ 5,000: ${r.gatewayPerSecond >= 5000 ? "met" : "NOT met"}); ${r.ratio.toFixed(2)}× the imsg-rpc watch; ${r.repliesSentAtEnd} replies delivered by then`,
  ].join("\n");
}

if (import.meta.main) {
  const messages = Number(process.argv[2] ?? 50_000);
  console.log(formatCatchUp(await runCatchUp(messages)));
}
