/**
 * The group commit on each state store: the gateway's per-message writes (dedupe mark as the guard, session touch,
 * the message and the reply appended to history, one outbox entry) committed as `OutcomeBatch`es through
 * `StateBackend.commitOutcomes`, with the watch cursor moved in the same commit. PostgreSQL (a throwaway server on
 * a private socket, `startPostgres`, with its default durability: each commit flushed) beside SQLite (a state.db
 * file, `synchronous=NORMAL` as the gateway opens it)
 * in the same run, at several batch sizes: one message per commit is the worst case (an idle gateway), larger
 * batches are what a busy gateway or a catch-up commits per event-loop turn.
 * Run: `node --conditions=@imgate/source bench/state-commit.ts [messages]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createSqliteBackend,
  type OutcomeBatch,
  openStateStore,
  recordOutcome,
  type StateBackend,
  silentLogger,
  systemClock,
} from "@imgate/channel-core";
import { createPostgresBackend, migratePostgres, openPostgresPool } from "@imgate/state-postgres";
import { startPostgres } from "@imgate/state-postgres/testing";

/** One measured store and batch size. */
export interface StateCommitFigure {
  store: "sqlite" | "postgres";
  batchSize: number;
  messages: number;
  seconds: number;
  messagesPerSecond: number;
}

/** What {@link runStateCommit} measured. */
export interface StateCommitResult {
  name: "state-commit";
  figures: StateCommitFigure[];
  /** PostgreSQL msg/s ÷ SQLite msg/s, per batch size. */
  ratios: Array<{ batchSize: number; ratio: number }>;
}

const ACCOUNT = "bench@icloud.com";
const SESSIONS = 10;
const HISTORY_LIMIT = 50;
export const BATCH_SIZES = [1, 16, 100] as const;

/** The batch of messages `first … first + size - 1`: what the turn runner commits for each answered message. */
function batchOf(first: number, size: number, now: number): OutcomeBatch {
  const outcomes = [];
  for (let index = first; index < first + size; index += 1) {
    const guid = `bench-${index}`;
    const sessionKey = `agent:main:imessage:direct:+1555000${index % SESSIONS}`;
    const chatKey = `imessage:+1555000${index % SESSIONS}`;
    const ops = recordOutcome((w) => {
      w.onlyIf({ kind: "firstSeen", accountId: ACCOUNT, guid });
      w.touchSession(sessionKey);
      w.appendHistory(
        sessionKey,
        { sender: chatKey, text: `message ${index}`, messageId: guid, timestamp: now },
        HISTORY_LIMIT,
      );
      w.appendHistory(
        sessionKey,
        { sender: "main", text: `reply ${index}`, messageId: `reply:${guid}`, timestamp: now },
        HISTORY_LIMIT,
      );
      w.enqueue([
        {
          idempotencyKey: `reply:${guid}:0`,
          channel: "imessage",
          accountId: ACCOUNT,
          chatKey,
          target: `chat_id:${index % SESSIONS}`,
          text: `reply ${index}`,
        },
      ]);
    });
    outcomes.push({ rowid: index, ops });
  }
  return {
    accountId: ACCOUNT,
    outcomes,
    cursor: {
      source: "bench",
      position: String(first + size - 1),
      requires: outcomes.map((_, index) => index),
    },
  };
}

/** Commits `messages` messages in batches of `batchSize`, one batch after the other as the committer does. */
async function measure(
  backend: StateBackend,
  batchSize: number,
  messages: number,
  offset: number,
): Promise<StateCommitFigure> {
  const started = performance.now();
  for (let first = offset; first < offset + messages; first += batchSize) {
    const result = await backend.commitOutcomes(batchOf(first, batchSize, systemClock.now()));
    if (result.failed.length > 0 || !result.cursorMoved) {
      throw new Error(`bench: a batch did not apply (${JSON.stringify(result.failed)})`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    store: backend.kind,
    batchSize,
    messages,
    seconds,
    messagesPerSecond: messages / seconds,
  };
}

/** Runs every batch size on both stores; each size gets fresh message ids (never a replay). */
export async function runStateCommit(messages = 5_000): Promise<StateCommitResult> {
  const dir = mkdtempSync(join(tmpdir(), "imgate-bench-state-"));
  // The server as a deployment runs it (every commit flushed to disk), not the tests' fsync-off setting.
  const server = await startPostgres({
    settings: { fsync: "on", synchronous_commit: "on", full_page_writes: "on", shared_buffers: "128MB" },
  });
  const pool = await openPostgresPool({ url: server.url, logger: silentLogger });
  const figures: StateCommitFigure[] = [];
  try {
    await migratePostgres(pool, { logger: silentLogger });
    const sqlite = createSqliteBackend(
      openStateStore({ path: join(dir, "state.db"), synchronous: "normal", logger: silentLogger }),
      { historyCacheSessions: 256 },
    );
    const postgres = createPostgresBackend({
      pool,
      url: server.url,
      clock: systemClock,
      logger: silentLogger,
    });
    let offset = 0;
    for (const batchSize of BATCH_SIZES) {
      // One message per commit costs a round trip (and a WAL flush) per message: fewer of them keep it short.
      const count = batchSize === 1 ? Math.min(messages, 1_000) : messages;
      figures.push(await measure(sqlite, batchSize, count, offset));
      figures.push(await measure(postgres, batchSize, count, offset));
      offset += count;
    }
    await sqlite.close();
    await postgres.close();
  } finally {
    await pool.end();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const ratios = BATCH_SIZES.map((batchSize) => {
    const rate = (store: string) =>
      figures.find((f) => f.store === store && f.batchSize === batchSize)?.messagesPerSecond ?? Number.NaN;
    return { batchSize, ratio: rate("postgres") / rate("sqlite") };
  });
  return { name: "state-commit", figures, ratios };
}

/** The result as a table. */
export function formatStateCommit(result: StateCommitResult): string {
  const fmt = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: 0 });
  const rows = result.figures.map(
    (f) =>
      `| ${f.store.padEnd(8)} | batch ${String(f.batchSize).padStart(3)} | ${fmt(f.messages).padStart(6)} msgs | ${fmt(f.messagesPerSecond).padStart(7)} msg/s |`,
  );
  const ratios = result.ratios.map((r) => `batch ${r.batchSize}: ${r.ratio.toFixed(2)}×`).join(", ");
  return [
    "state-commit: the group commit (dedupe guard, session, 2 history rows, 1 outbox entry per message, cursor)",
    ...rows,
    `PostgreSQL ÷ SQLite: ${ratios}`,
  ].join("\n");
}

if (import.meta.main) {
  const messages = Number(process.argv[2] ?? 5_000);
  console.log(formatStateCommit(await runStateCommit(messages)));
}
