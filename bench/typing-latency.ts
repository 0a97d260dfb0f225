/**
 * Latency users feel (issue 13): end-to-end time from a row landing in chat.db to the gateway's `typing` call and
 * to its reply `send`, at 1 msg/s, on imsg-sim 0.15 in bridge mode (`IMSG_SIM_BRIDGE=1`), echo agent, one new DM
 * chat per message. Measured with `channels.imessage.watchDebounceMs: 100` (imgate's default) and, as the baseline
 * in the same run, 500 (imsg's own default). Times come from one clock: the row is stamped when its insert
 * committed, the typing call by imsg-sim's bridge journal (`readBridgeCalls`), the reply by the date imsg-sim
 * wrote on the sent row.
 * Run: `node --conditions=@imgate/source bench/typing-latency.ts [messages]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createSimDb, IMSG_BIN, injectMessage, readBridgeCalls } from "@imgate/imsg-sim/testing";
import { startGatewayProcess } from "./lib/gateway-process.ts";
import { quantile, waitFor } from "./lib/stats.ts";

/** Apple epoch (2001-01-01) in Unix ms. */
const APPLE_EPOCH_MS = 978_307_200_000;
const SIM_ENV = { IMSG_SIM_COMPAT: "0.15", IMSG_SIM_BRIDGE: "1", IMSG_SIM_SELF: "me@icloud.com" };

/** p50/p99 of one path, in ms. */
export interface TypingLatencyFigure {
  debounceMs: number;
  messages: number;
  typingP50: number;
  typingP99: number;
  replyP50: number;
  replyP99: number;
}

/** What {@link runTypingLatency} measured. */
export interface TypingLatencyResult {
  name: "typing-latency";
  /** imgate's default (`watchDebounceMs` 100). */
  measured: TypingLatencyFigure;
  /** imsg's default debounce (500), same run. */
  baseline: TypingLatencyFigure;
}

/** Unix ms of the bot's first row in `chatId` (imsg-sim stamps it when it handles the `send`). */
function replyAt(db: string, chatId: number): number | undefined {
  const connection = new DatabaseSync(db, { readOnly: true });
  try {
    const row = connection
      .prepare(
        `SELECT CAST(m.date / 1000000 AS INTEGER) AS ms FROM message m JOIN chat_message_join j ON j.message_id = m.ROWID
         WHERE j.chat_id = ? AND m.is_from_me = 1 AND m.associated_message_type = 0 ORDER BY m.ROWID LIMIT 1`,
      )
      .get(chatId) as { ms: number } | undefined;
    return row ? row.ms + APPLE_EPOCH_MS : undefined;
  } finally {
    connection.close();
  }
}

async function measure(debounceMs: number, messages: number): Promise<TypingLatencyFigure> {
  const dir = mkdtempSync(join(tmpdir(), "imgate-bench-typing-"));
  try {
    const db = createSimDb(dir);
    const gateway = await startGatewayProcess({
      dir,
      imessage: {
        cliPath: IMSG_BIN,
        dbPath: db,
        dmPolicy: "open",
        allowFrom: ["*"],
        watchDebounceMs: debounceMs,
      },
      env: SIM_ENV,
    });
    const typing: number[] = [];
    const reply: number[] = [];
    try {
      await gateway.ready();
      const sent: Array<{ chatId: number; at: number }> = [];
      const startedAt = Date.now();
      for (let i = 0; i < messages; i++) {
        // 1 msg/s on a fixed schedule (not "1 s after the last one"), each in a new DM chat.
        const due = startedAt + i * 1000;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
        const handle = `+1555${String(2_000_000 + i).slice(-7)}`;
        const { chatId } = injectMessage(db, { from: handle, text: `latency probe ${i}` });
        sent.push({ chatId, at: Date.now() });
      }
      for (const { chatId, at } of sent) {
        const typedAt = await waitFor(
          () =>
            readBridgeCalls(db).find((c) => c.chatId === chatId && c.method === "typing" && c.typing)?.atMs,
          `the typing call in chat ${chatId}`,
        );
        const repliedAt = await waitFor(() => replyAt(db, chatId), `the reply in chat ${chatId}`);
        typing.push(typedAt - at);
        reply.push(repliedAt - at);
      }
    } finally {
      await gateway.stop();
    }
    return {
      debounceMs,
      messages,
      typingP50: quantile(typing, 0.5),
      typingP99: quantile(typing, 0.99),
      replyP50: quantile(reply, 0.5),
      replyP99: quantile(reply, 0.99),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `messages` messages at 1 msg/s with debounce 100 (measured) and 500 (baseline). */
export async function runTypingLatency(messages = 60): Promise<TypingLatencyResult> {
  const measured = await measure(100, messages);
  const baseline = await measure(500, messages);
  return { name: "typing-latency", measured, baseline };
}

/** Formats the figures as a table. */
export function formatTypingLatency(r: TypingLatencyResult): string {
  const ms = (value: number) => value.toFixed(0).padStart(7);
  const row = (label: string, f: TypingLatencyFigure) =>
    `| ${label.padEnd(34)} | ${String(f.messages).padStart(8)} | ${ms(f.typingP50)} | ${ms(f.typingP99)} | ${ms(f.replyP50)} | ${ms(f.replyP99)} |`;
  return [
    "typing-latency: row in chat.db → typing call / reply send, 1 msg/s, imsg-sim 0.15 bridge mode, echo agent, one DM chat per message",
    `| ${"watch debounce".padEnd(34)} | ${"messages".padStart(8)} | ${"typ p50".padStart(7)} | ${"typ p99".padStart(7)} | ${"rep p50".padStart(7)} | ${"rep p99".padStart(7)} |`,
    `|${"-".repeat(36)}|${"-".repeat(10)}|${"-".repeat(9)}|${"-".repeat(9)}|${"-".repeat(9)}|${"-".repeat(9)}|`,
    row("baseline: debounce_ms 500 (imsg)", r.baseline),
    row("imgate: watchDebounceMs 100", r.measured),
    `typing p50 ${r.measured.typingP50.toFixed(0)} ms vs ${r.baseline.typingP50.toFixed(0)} ms with imsg's default debounce (all times in ms)`,
  ].join("\n");
}

if (import.meta.main) {
  const messages = Number(process.argv[2] ?? 60);
  console.log(formatTypingLatency(await runTypingLatency(messages)));
}
