/**
 * channel-core inbound pipeline throughput: envelopes through dedupe → policy → routing → history (with the
 * cursor committed in the same transaction as each batch of outcomes), on a state.db file versus the same run
 * on an in-memory SQLite store. Run: `node --conditions=@imgate/source bench/core-pipeline.ts [messages]`.
 *
 * Durability rule kept by the batched runs: a message counts as handled (its cursor committed) only in the
 * transaction that also persists its outcome, so a crash replays a whole batch and never loses one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AccessPolicyConfig,
  createAccessPolicy,
  createCursorStore,
  createHistoryStore,
  createInboundDedupe,
  createPairingService,
  createSessionStore,
  type Envelope,
  openStateStore,
  type PolicyDecision,
  resolveAgentRoute,
} from "@imgate/channel-core";

/** One row of the result table. */
export interface CorePipelineFigure {
  /** What was measured, e.g. `file, batch 100, synchronous=FULL`. */
  run: string;
  messages: number;
  /** Messages per transaction (the cursor is committed once per batch). */
  batchSize: number;
  seconds: number;
  messagesPerSecond: number;
}

/** Result of {@link runCorePipelineBench}. */
export interface CorePipelineBench {
  figures: CorePipelineFigure[];
  /** Pipeline stages every message went through, in order. */
  stages: string[];
  /** Policy outcomes of the last file run (process / history-only / pairing / drop), as a sanity check. */
  decisions: Record<string, number>;
}

/** Options of {@link runCorePipelineBench}. */
export interface CorePipelineBenchOptions {
  /** Envelopes per run. Default 100,000. */
  messages?: number;
  /** Messages per transaction in the batched runs. Default 100. */
  batchSize?: number;
  /** Envelopes for the one-message-per-transaction run (fsync per message is slow). Default 5,000. */
  unbatchedMessages?: number;
}

const ACCOUNT = "bot";
const CHANNEL = "imessage";
const GROUP_COUNT = 50;
const DM_SENDERS = 200;

/** Deterministic mix: 60% group chatter without a mention, 20% group mentions, 20% DMs (half approved). */
function makeEnvelope(i: number): Envelope {
  const kind = i % 10;
  const isGroup = kind < 8;
  const sender = isGroup
    ? `+1555${String(i % 997).padStart(7, "0")}`
    : `+1666${String(i % DM_SENDERS).padStart(7, "0")}`;
  // Every 50th message repeats the previous guid: a re-delivery the dedupe must drop.
  const guid = i % 50 === 49 ? `guid-${i - 1}` : `guid-${i}`;
  return {
    channel: CHANNEL,
    accountId: ACCOUNT,
    chatType: isGroup ? "group" : "direct",
    chatKey: isGroup ? String(i % GROUP_COUNT) : `dm-${i % DM_SENDERS}`,
    senderRaw: sender,
    sender,
    text: kind < 6 ? `just chatting ${i}` : kind < 8 ? `@molty question ${i}` : `hello ${i}`,
    attachments: [],
    timestamp: 1_767_225_600_000 + i,
    messageId: String(i),
    guid,
    participants: [],
  };
}

function runOnce(
  path: string,
  label: string,
  messages: number,
  batchSize: number,
  synchronous: "full" | "normal",
) {
  const store = openStateStore({ path, synchronous });
  const dedupe = createInboundDedupe({ store });
  const pairing = createPairingService({ store });
  const history = createHistoryStore(store);
  const sessions = createSessionStore(store);
  const cursors = createCursorStore(store);
  // Half the DM senders are approved through pairing.
  for (let s = 0; s < DM_SENDERS; s += 2) pairing.addApproved(CHANNEL, `+1666${String(s).padStart(7, "0")}`);
  const policy = createAccessPolicy();
  const config: AccessPolicyConfig = {
    dmPolicy: "pairing",
    groupPolicy: "open",
    groups: { "*": { requireMention: true } },
  };
  const pairingApproved = (envelope: Envelope) => pairing.isApprovedSender(envelope.channel, envelope.sender);
  const agents = [{ id: "main", default: true }];
  const bindings = [{ agentId: "main", match: { channel: CHANNEL, accountId: ACCOUNT } }];
  const decisions = new Map<string, number>();

  const handle = (envelope: Envelope) => {
    if (dedupe.seen(envelope.accountId, envelope.guid)) return;
    const decision: PolicyDecision["kind"] = policy.evaluate({
      envelope,
      config,
      pairingApproved,
      mentionPatterns: ["@molty"],
    }).kind;
    decisions.set(decision, (decisions.get(decision) ?? 0) + 1);
    if (decision === "drop") return;
    if (decision === "pairing") {
      pairing.request({ channel: envelope.channel, sender: envelope.sender, reply: "silent" });
      return;
    }
    const { sessionKey } = resolveAgentRoute({
      bindings,
      agents,
      channel: envelope.channel,
      accountId: envelope.accountId,
      peer: {
        chatType: envelope.chatType,
        id: envelope.chatType === "group" ? envelope.chatKey : envelope.sender,
      },
      dmScope: "per-channel-peer",
    });
    const entry = {
      sender: envelope.sender,
      text: envelope.text,
      messageId: envelope.messageId,
      timestamp: envelope.timestamp,
    };
    if (decision === "history-only") {
      history.append(sessionKey, entry, 50);
      return;
    }
    // Processed: read the context, record the turn's session activity, clear after dispatch.
    history.load(sessionKey, 50);
    sessions.touchSession(sessionKey);
    history.clear(sessionKey);
  };

  const envelopes = Array.from({ length: messages }, (_, i) => makeEnvelope(i));
  const started = performance.now();
  for (let start = 0; start < messages; start += batchSize) {
    const end = Math.min(start + batchSize, messages);
    cursors.commitWith(ACCOUNT, "chat.db", String(end - 1), () => {
      for (let i = start; i < end; i += 1) handle(envelopes[i]!);
    });
  }
  const seconds = (performance.now() - started) / 1000;
  if (cursors.get(ACCOUNT, "chat.db") !== String(messages - 1))
    throw new Error(`${label}: cursor not at the end`);
  store.close();
  const figure: CorePipelineFigure = {
    run: label,
    messages,
    batchSize,
    seconds,
    messagesPerSecond: messages / seconds,
  };
  return { figure, decisions: Object.fromEntries(decisions) };
}

/** Runs the pipeline on `:memory:` and on state.db files and returns messages per second for each. */
export function runCorePipelineBench(options: CorePipelineBenchOptions = {}): CorePipelineBench {
  const messages = options.messages ?? 100_000;
  const batchSize = options.batchSize ?? 100;
  const unbatched = options.unbatchedMessages ?? 5_000;
  const dir = mkdtempSync(join(tmpdir(), "imgate-bench-"));
  try {
    // Warm-up (discarded) so the first measured run does not pay for JIT compilation.
    runOnce(":memory:", "warm-up", Math.min(messages, 10_000), batchSize, "full");
    const figures = [
      runOnce(":memory:", "in-memory (:memory:), baseline", messages, batchSize, "full"),
      runOnce(join(dir, "a", "state.db"), "file, WAL, synchronous=FULL", messages, batchSize, "full"),
      runOnce(join(dir, "b", "state.db"), "file, WAL, synchronous=NORMAL", messages, batchSize, "normal"),
      runOnce(join(dir, "c", "state.db"), "file, WAL, FULL, 1 msg/transaction", unbatched, 1, "full"),
    ];
    const stages = [
      "dedupe (seen)",
      "policy (createAccessPolicy, pairing-approved lookup in state.db)",
      "pairing request | routing (resolveAgentRoute)",
      "history (append | load + touchSession + clear)",
      "cursor commit (same transaction)",
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
  printTable(runCorePipelineBench(messages === undefined ? {} : { messages }));
}
