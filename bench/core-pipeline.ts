/**
 * The gateway's inbound pipeline throughput: imsg rows through exactly the composition the gateway runs
 * (`createInboundDispatch` from `@imgate/gateway/pipeline`: imessage-channel's processor → channel-core's
 * dedupe → policy (answering account, route) → message age → pairing | mention gate → session queue → chat
 * commands → turn), with the gateway's group commit (`createOutcomeCommitter`: outcomes and cursor in one
 * transaction per event-loop turn), on a state.db file versus the same run on an in-memory SQLite store. The
 * turn is the one part replaced: instead of an agent it records the answer the way the turn runner does
 * (history, session touch, dedupe mark), so the figure is the pipeline's own cost.
 * Run: `node --conditions=@imgate/source bench/core-pipeline.ts [messages]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createSqliteBackend,
  finishOnce,
  historyEntryOf,
  type Middleware,
  openStateStore,
  type StateBackend,
  silentLogger,
  systemClock,
} from "@imgate/channel-core";
import { createGatewayMetrics, parseGatewayConfig } from "@imgate/gateway";
import { openPostgresState } from "@imgate/gateway/open-postgres-state";
import {
  createAgentRegistry,
  createCoreServices,
  createInboundDispatch,
  createOutcomeCommitter,
  createReplyEnqueuer,
  createSessionQueue,
  type GatewayInboundContext,
  sqliteBackendOptionsOf,
} from "@imgate/gateway/pipeline";
import {
  createEchoFilter,
  createInboundProcessor,
  type ImsgMessage,
  type ImsgPort,
  resolveAccounts,
} from "@imgate/imessage-channel";
import { startPostgres } from "@imgate/state-postgres/testing";

/** One row of the result table. */
export interface CorePipelineFigure {
  /** What was measured, e.g. `file, batch 100, synchronous=FULL`. */
  run: string;
  messages: number;
  /** Rows handed to the pipeline per event-loop turn (one group commit each). */
  batchSize: number;
  seconds: number;
  messagesPerSecond: number;
}

/** Result of {@link runCorePipelineBench}. */
export interface CorePipelineBench {
  figures: CorePipelineFigure[];
  /** Pipeline stages every message went through, in order. */
  stages: string[];
  /** Outcomes of the last file run (answered, and dropped by reason), as a sanity check. */
  decisions: Record<string, number>;
}

/** Options of {@link runCorePipelineBench}. */
export interface CorePipelineBenchOptions {
  /** Rows per run. Default 100,000. */
  messages?: number;
  /** Rows per event-loop turn in the batched runs. Default 100. */
  batchSize?: number;
  /** Rows for the one-row-per-turn run (a commit per row). Default 5,000. */
  unbatchedMessages?: number;
}

const ACCOUNT = "default";
const GROUP_COUNT = 50;
const DM_SENDERS = 200;
const dmSender = (n: number) => `+1666${String(n).padStart(7, "0")}`;

/** Deterministic mix: 60% group chatter without a mention, 20% group mentions, 20% DMs (half approved). */
function makeMessage(i: number, now: number): ImsgMessage {
  const kind = i % 10;
  const isGroup = kind < 8;
  const sender = isGroup ? `+1555${String(i % 997).padStart(7, "0")}` : dmSender(i % DM_SENDERS);
  // Every 50th row repeats the previous guid: a re-delivery the dedupe must drop.
  const guid = i % 50 === 49 ? `guid-${i - 1}` : `guid-${i}`;
  const chatId = isGroup ? 1 + (i % GROUP_COUNT) : 1_000 + (i % DM_SENDERS);
  return {
    id: i + 1,
    chat_id: chatId,
    guid,
    sender,
    is_from_me: false,
    text: kind < 6 ? `just chatting ${i}` : kind < 8 ? `@molty question ${i}` : `hello ${i}`,
    created_at: new Date(now).toISOString(),
    attachments: [],
    reactions: [],
    chat_identifier: isGroup ? `chat${chatId}` : sender,
    chat_guid: isGroup ? `iMessage;+;chat${chatId}` : `iMessage;-;${sender}`,
    chat_name: isGroup ? `Group ${chatId}` : "",
    participants: [sender],
    is_group: isGroup,
  };
}

/** imsg is never asked in this bench (every row has its chat); a call would be a bench bug. */
const noImsg = new Proxy({} as ImsgPort, {
  get: () => () => Promise.reject(new Error("core-pipeline bench: imsg is not connected")),
});

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A SQLite state.db (or `:memory:`) as the gateway opens it, with the given `synchronous`. */
const sqliteAt = (path: string, synchronous: "full" | "normal") => async (): Promise<StateBackend> =>
  createSqliteBackend(
    openStateStore({ path, synchronous, logger: silentLogger, clock: systemClock }),
    sqliteBackendOptionsOf(),
  );

async function runOnce(
  openBackend: () => Promise<StateBackend>,
  label: string,
  messages: number,
  batchSize: number,
) {
  const logger = silentLogger;
  const clock = systemClock;
  const core = createCoreServices(await openBackend(), logger);
  const config = parseGatewayConfig({
    channels: {
      imessage: { dmPolicy: "pairing", groupPolicy: "open", groups: { "*": { requireMention: true } } },
    },
    agents: {
      list: [
        { id: "main", default: true, groupChat: { mentionPatterns: ["@molty"] }, backend: { type: "echo" } },
      ],
    },
  });
  const accounts = resolveAccounts(config.channels.imessage);
  const account = accounts[0]!;
  // Half the DM senders are approved through pairing.
  for (let s = 0; s < DM_SENDERS; s += 2) await core.pairing.addApproved("imessage", dmSender(s));
  const agents = createAgentRegistry(config);
  const metrics = createGatewayMetrics();
  const queue = createSessionQueue({ maxConcurrent: config.gateway.maxConcurrentSessions });
  // No delivery in this bench: replies (pairing codes) stay queued in the outbox.
  const worker = { claimInBatch: async () => false, adoptClaim: () => {}, kick: () => {} };
  const committer = createOutcomeCommitter({
    backend: core.backend,
    accountId: ACCOUNT,
    source: account.sourceKey,
    worker,
    logger,
  });
  let answered = 0;
  const turn: Middleware<GatewayInboundContext> = async (ctx) => {
    const sessionKey = ctx.route!.sessionKey;
    await core.history.load(sessionKey, 50);
    answered += 1;
    finishOnce(ctx, (writer) => {
      writer.touchSession(sessionKey);
      writer.appendHistory(sessionKey, historyEntryOf(ctx.envelope), 50);
    });
    // As the turn runner: the session's next turn starts once this answer is committed.
    await committer.committed();
  };
  const dispatch = createInboundDispatch({
    account,
    accounts,
    defaultAccountId: ACCOUNT,
    getConfig: () => config,
    getAgents: () => agents,
    core,
    queue,
    inFlightGuids: new Set(),
    status: async () => undefined,
    turn,
    processor: createInboundProcessor({
      account,
      port: noImsg,
      echo: createEchoFilter({ logger, clock, rows: core.echo, scope: ACCOUNT }),
      logger,
    }),
    committer,
    replies: createReplyEnqueuer("imessage", ACCOUNT),
    metrics,
    noteInbound: () => {},
    logger,
    clock,
  });

  const now = clock.now();
  const rows = Array.from({ length: messages }, (_, i) => makeMessage(i, now));
  const started = performance.now();
  for (let start = 0; start < messages; start += batchSize) {
    const end = Math.min(start + batchSize, messages);
    for (let i = start; i < end; i += 1) await dispatch.handle(rows[i]!, { replay: false, receivedAt: now });
    // The end of the event-loop turn: the group commit of this batch runs here, as in the gateway.
    await nextTurn();
  }
  await queue.idle();
  await committer.commitNow();
  const seconds = (performance.now() - started) / 1000;
  const cursor = await core.cursors.get(ACCOUNT, account.sourceKey);
  if (cursor !== String(messages)) throw new Error(`${label}: cursor at ${cursor}, not at the end`);
  await core.backend.close();
  const decisions: Record<string, number> = { answered };
  for (const reason of ["duplicate", "pairing", "no-mention", "dm-not-allowed"]) {
    decisions[reason] = metrics.messagesDropped.get({ account: ACCOUNT, reason });
  }
  const figure: CorePipelineFigure = {
    run: label,
    messages,
    batchSize,
    seconds,
    messagesPerSecond: messages / seconds,
  };
  return { figure, decisions };
}

/**
 * The same pipeline on the shared PostgreSQL state (`gateway.state.postgres`): a throwaway server on a private
 * socket with its default durability (every commit flushed), opened the way the gateway opens it.
 */
async function runOnPostgres(messages: number, batchSize: number, unbatched: number) {
  const server = await startPostgres({
    settings: { fsync: "on", synchronous_commit: "on", full_page_writes: "on", shared_buffers: "128MB" },
  });
  try {
    const config = parseGatewayConfig({ gateway: { state: { postgres: { urlEnv: "BENCH_PG_URL" } } } });
    const onDatabase = (name: string) => async (): Promise<StateBackend> => {
      const url = await server.createDatabase(name);
      const state = await openPostgresState({
        config,
        env: { BENCH_PG_URL: url },
        logger: silentLogger,
        clock: systemClock,
        applicationName: "imgate bench",
      });
      return { ...state.backend, close: () => state.close() };
    };
    return [
      await runOnce(onDatabase("batched"), "PostgreSQL, every commit flushed", messages, batchSize),
      await runOnce(onDatabase("single"), "PostgreSQL, 1 row/commit", unbatched, 1),
    ];
  } finally {
    await server.stop();
  }
}

/** Runs the pipeline on `:memory:` on state.db files and on PostgreSQL and returns messages per second for each. */
export async function runCorePipelineBench(
  options: CorePipelineBenchOptions = {},
): Promise<CorePipelineBench> {
  const messages = options.messages ?? 100_000;
  const batchSize = options.batchSize ?? 100;
  const unbatched = options.unbatchedMessages ?? 5_000;
  const dir = mkdtempSync(join(tmpdir(), "imgate-bench-"));
  try {
    // Warm-up (discarded) so the first measured run does not pay for JIT compilation.
    await runOnce(sqliteAt(":memory:", "full"), "warm-up", Math.min(messages, 10_000), batchSize);
    const figures = [
      await runOnce(sqliteAt(":memory:", "full"), "in-memory (:memory:), baseline", messages, batchSize),
      await runOnce(
        sqliteAt(join(dir, "a", "state.db"), "full"),
        "file, WAL, synchronous=FULL",
        messages,
        batchSize,
      ),
      await runOnce(
        sqliteAt(join(dir, "b", "state.db"), "normal"),
        "file, WAL, synchronous=NORMAL",
        messages,
        batchSize,
      ),
      await runOnce(
        sqliteAt(join(dir, "c", "state.db"), "full"),
        "file, WAL, FULL, 1 row/commit",
        unbatched,
        1,
      ),
      ...(await runOnPostgres(messages, batchSize, unbatched)),
    ];
    const stages = [
      "imessage-channel processor (row → envelope, echo filter)",
      "dedupe (has: in flight, reply queued, stored turn, persisted mark)",
      "policy (answering account, route, pairing-approved lookup in state.db)",
      "message age",
      "pairing | mention gate (history)",
      "session queue",
      "turn stand-in (history load, session touch, history append, dedupe mark)",
      "group commit with the cursor (outcome-committer)",
    ];
    return { figures: figures.map((f) => f.figure), stages, decisions: figures[1]!.decisions };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(result: CorePipelineBench): void {
  const rows = result.figures.map((f) => [
    f.run,
    f.messages.toLocaleString("en-US"),
    String(f.batchSize),
    f.seconds.toFixed(2),
    Math.round(f.messagesPerSecond).toLocaleString("en-US"),
  ]);
  const header = ["run", "messages", "batch", "seconds", "msg/s"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
  console.log(`stages: ${result.stages.join(" → ")}`);
  console.log(`policy outcomes per run: ${JSON.stringify(result.decisions)}`);
}

if (import.meta.main) {
  const messages = process.argv[2] ? Number(process.argv[2]) : undefined;
  printTable(await runCorePipelineBench(messages === undefined ? {} : { messages }));
}
