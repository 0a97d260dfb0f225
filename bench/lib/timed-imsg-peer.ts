/**
 * A minimal imsg 0.9 peer for bench/gateway-latency.ts, run as `<cliPath> rpc` by the gateway (or by the
 * baseline relay). On `watch.subscribe` it writes `message` notifications at a fixed rate and timestamps
 * each write; when a `send` request carrying that message's text arrives it timestamps the read. Both
 * clocks are this process's, so the difference is what the reader on the other end of the pipes added —
 * no database and no watch poll in between. Results go to `$BENCH_PEER_OUT` as JSON when every message was
 * answered (or `$BENCH_PEER_GRACE_MS` after the last write).
 *
 * Env: BENCH_PEER_RATE (msg/s, default 200), BENCH_PEER_COUNT (default 6000), BENCH_PEER_OUT (file),
 * BENCH_PEER_CHATS (DM chats to spread over, default 10), BENCH_PEER_GRACE_MS (default 10000).
 */
import { writeFileSync } from "node:fs";

const rate = Number(process.env.BENCH_PEER_RATE ?? 200);
const count = Number(process.env.BENCH_PEER_COUNT ?? 6000);
const chats = Number(process.env.BENCH_PEER_CHATS ?? 10);
const graceMs = Number(process.env.BENCH_PEER_GRACE_MS ?? 10_000);
const out = process.env.BENCH_PEER_OUT;

const written = new Float64Array(count + 1);
const answered = new Float64Array(count + 1);
let answers = 0;
let sent = 0;
let subscription = 0;
let finished = false;

const handleOf = (chat: number) => `+1555000${String(chat).padStart(4, "0")}`;
const chatList = Array.from({ length: chats }, (_, c) => ({
  id: c + 1,
  identifier: handleOf(c),
  guid: `iMessage;-;${handleOf(c)}`,
  name: "",
  service: "iMessage",
  participants: [handleOf(c)],
  is_group: false,
}));

function notification(id: number): string {
  const chat = (id - 1) % chats;
  const handle = handleOf(chat);
  return JSON.stringify({
    jsonrpc: "2.0",
    method: "message",
    params: {
      subscription,
      message: {
        id,
        chat_id: chat + 1,
        guid: `BENCH-0000-0000-${String(id).padStart(12, "0")}`,
        sender: handle,
        is_from_me: false,
        text: `bench message ${id}`,
        created_at: new Date().toISOString(),
        attachments: [],
        reactions: [],
        chat_identifier: handle,
        chat_guid: `iMessage;-;${handle}`,
        chat_name: "",
        participants: [handle],
        is_group: false,
      },
    },
  });
}

function reply(id: unknown, body: object): void {
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id, ...body })}\n`);
}

function finish(): void {
  if (finished) return;
  finished = true;
  const latencies: number[] = [];
  for (let id = 1; id <= count; id++) latencies.push(answered[id]! > 0 ? answered[id]! - written[id]! : -1);
  if (out) writeFileSync(out, JSON.stringify({ count, rate, answers, latenciesMs: latencies }));
}

/** Writes every message that is due; timers are coarse, so the schedule (not the timer) sets the times. */
function startStream(): void {
  const started = performance.now();
  const intervalMs = 1000 / rate;
  const tick = () => {
    const due = Math.min(count, Math.floor((performance.now() - started) / intervalMs) + 1);
    while (sent < due) {
      sent++;
      const line = `${notification(sent)}\n`;
      written[sent] = performance.now();
      process.stdout.write(line);
    }
    if (sent < count) setTimeout(tick, Math.max(0, started + sent * intervalMs - performance.now()));
    else setTimeout(finish, graceMs).unref();
  };
  tick();
}

let pending = "";
process.stdin.on("data", (chunk: Buffer) => {
  const now = performance.now();
  pending += chunk.toString("utf8");
  for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n")) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (line.trim() === "") continue;
    const request = JSON.parse(line) as { id?: unknown; method: string; params?: { text?: string } };
    switch (request.method) {
      case "send": {
        const match = /bench message (\d+)/.exec(request.params?.text ?? "");
        const id = match ? Number(match[1]) : 0;
        if (id > 0 && id <= count && answered[id] === 0) {
          answered[id] = now;
          answers++;
        }
        reply(request.id, { result: { ok: true } });
        if (answers === count) finish();
        break;
      }
      case "chats.list":
        reply(request.id, { result: { chats: chatList } });
        break;
      case "messages.history":
        reply(request.id, { result: { messages: [] } });
        break;
      case "watch.subscribe":
        subscription++;
        reply(request.id, { result: { subscription } });
        if (subscription === 1) startStream();
        break;
      case "watch.unsubscribe":
        reply(request.id, { result: { ok: true } });
        break;
      default:
        if (request.id !== undefined)
          reply(request.id, { error: { code: -32601, message: "Method not found", data: request.method } });
    }
  }
});
process.stdin.on("end", () => {
  finish();
  process.exit(0);
});
