/**
 * Child process for bench/rpc-throughput.ts: prepares N realistic `message` notifications (~600 B
 * each) up front, then streams them on stdout as fast as the pipe takes them.
 *
 *   node ndjson-emitter.ts raw N   — prints `ready`, waits for one line on stdin, then streams.
 *   node ndjson-emitter.ts imsg N  — a minimal imsg 0.9: answers the client's handshake and streams on
 *                                    `watch.subscribe` (subscription 1).
 */
const [mode = "raw", countArg = "100000"] = process.argv.slice(2);
const count = Number(countArg);

const texts = [
  "Hey, are we still on for dinner tonight? I was thinking around 7 at the usual place.",
  "Can you send me the slides from this morning? I want to go over them before the call.",
  "Running 10 minutes late, sorry! Traffic on the bridge is terrible again 🚗",
  "Happy birthday!! 🎉 Hope you have an amazing day, let's celebrate this weekend.",
];

function notification(id: number): string {
  const group = id % 3 === 0;
  const message = {
    id,
    chat_id: group ? 2 : 7 + (id % 5),
    guid: `8DF0C3A1-4B2E-4F7A-9C1D-${String(id).padStart(12, "0")}`,
    sender: group ? "friend@example.com" : `+1555123${String(id % 10000).padStart(4, "0")}`,
    is_from_me: false,
    text: `${texts[id % texts.length]} (#${id})`,
    created_at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + id * 1000).toISOString(),
    attachments: [],
    reactions: [],
    destination_caller_id: "me@icloud.com",
    chat_identifier: group ? "chat123456789" : `+1555123${String(id % 10000).padStart(4, "0")}`,
    chat_guid: group
      ? "iMessage;+;chat123456789"
      : `iMessage;-;+1555123${String(id % 10000).padStart(4, "0")}`,
    chat_name: group ? "Family" : "",
    participants: group ? ["+15551234567", "friend@example.com", "mom@example.com"] : ["+15551230000"],
    is_group: group,
    ...(id % 4 === 0 ? { thread_originator_guid: "ABCDEF01-2345-6789-ABCD-EF0123456789" } : {}),
  };
  return JSON.stringify({ jsonrpc: "2.0", method: "message", params: { subscription: 1, message } });
}

const lines: string[] = [];
for (let id = 1; id <= count; id++) lines.push(notification(id));
const payload = Buffer.from(`${lines.join("\n")}\n`);

function stream(): void {
  process.stdout.write(payload);
}

function reply(id: unknown, body: object): void {
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id, ...body })}\n`);
}

let pending = "";
process.stdin.on("data", (chunk: Buffer) => {
  pending += chunk.toString("utf8");
  for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n")) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (mode === "raw") {
      stream();
      continue;
    }
    const request = JSON.parse(line) as { id: unknown; method: string };
    if (request.method === "chats.list") reply(request.id, { result: { chats: [] } });
    else if (request.method === "watch.subscribe") {
      reply(request.id, { result: { subscription: 1 } });
      stream();
    } else if (request.method === "watch.unsubscribe") reply(request.id, { result: { ok: true } });
    else reply(request.id, { error: { code: -32601, message: "Method not found", data: request.method } });
  }
});
process.stdin.on("end", () => process.exit(0));
// Raw mode: tell the parent the payload is prepared, so its clock starts after the set-up.
if (mode === "raw") process.stdout.write("ready\n");
