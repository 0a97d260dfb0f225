/**
 * A fuzzing imsg peer, used as a gateway's `cliPath` through a small shell wrapper (see `writeFuzzPeer`).
 * It runs the real stand-in (`FUZZ_IMSG_BIN`) with the same arguments, passes stdin through, and forwards
 * the stand-in's stdout line by line — interleaving `FUZZ_LINES` seeded random and mutated lines, one
 * `FUZZ_OVERSIZED_BYTES` line and, at the end, half a line followed by exit 1. Only the first process
 * in `FUZZ_DIR` fuzzes (later ones, after the gateway restarts it, pass through); its second half waits for
 * `FUZZ_DIR/real-started`, and it writes what it sent by category to `FUZZ_DIR/fuzz-done.json`. Standalone on
 * purpose: node built-ins only.
 */
import { spawn } from "node:child_process";
import { existsSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const env = process.env;
const dir = env.FUZZ_DIR as string;
const total = Number(env.FUZZ_LINES ?? 1000);
const oversizedBytes = Number(env.FUZZ_OVERSIZED_BYTES ?? 64 * 1024 * 1024);
/** Spread the fuzz over about this long, so real messages arrive in the middle of it. */
const spreadMs = Number(env.FUZZ_SPREAD_MS ?? 3000);
/**
 * The second half of the fuzz waits for this file, which the test writes once it injected its first real
 * message: however slow the machine, real messages meet the fuzz (the spread alone is only a schedule).
 */
const realStartedFile = join(dir, "real-started");

let state = Number(env.FUZZ_SEED ?? 1) >>> 0;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

function claimFuzzing(): boolean {
  // Probes (`--version`, `rpc --help`) run this wrapper too; only a real `rpc` session fuzzes.
  const args = process.argv.slice(2);
  if (args[0] !== "rpc" || args.includes("--help")) return false;
  try {
    openSync(join(dir, "fuzz-started"), "wx");
    return true;
  } catch {
    return false;
  }
}

const imsg = spawn(env.FUZZ_IMSG_BIN as string, process.argv.slice(2), {
  stdio: ["pipe", "pipe", "inherit"],
});
process.stdin.pipe(imsg.stdin);
imsg.stdin.on("error", () => {});

// Everything written to stdout goes through this queue, so a fuzz line never splits a real one.
const queue: Array<Buffer | (() => Promise<void>)> = [];
let writing = false;
let real = 0;
async function pump(): Promise<void> {
  if (writing) return;
  writing = true;
  while (queue.length > 0) {
    const item = queue.shift() as Buffer | (() => Promise<void>);
    if (typeof item === "function") await item();
    else if (!process.stdout.write(item))
      await new Promise((resolve) => process.stdout.once("drain", resolve));
  }
  writing = false;
}
function emit(item: Buffer | (() => Promise<void>)): void {
  queue.push(item);
  void pump();
}

const templates: string[] = [
  '{"jsonrpc":"2.0","method":"message","params":{"subscription":1,"message":{"id":1,"chat_id":1,"guid":"G","sender":"+15550000000","is_from_me":false,"text":"hi","created_at":"2026-01-02T03:04:05.000Z","attachments":[],"reactions":[],"chat_identifier":"+15550000000","chat_guid":"iMessage;-;+15550000000","chat_name":"","participants":[],"is_group":false}}}',
];
let partial = Buffer.alloc(0);
imsg.stdout.on("data", (chunk: Buffer) => {
  partial = Buffer.concat([partial, chunk]);
  for (let index = partial.indexOf(10); index !== -1; index = partial.indexOf(10)) {
    const line = partial.subarray(0, index + 1);
    partial = partial.subarray(index + 1);
    real++;
    if (templates.length < 50 && line.length < 4096) templates.push(line.toString("utf8").trimEnd());
    emit(Buffer.from(line));
  }
});

const counts: Record<string, number> = {};
const count = (category: string) => {
  counts[category] = (counts[category] ?? 0) + 1;
};
const parses = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** One fuzz line (without its newline), never a valid message the gateway could act on. */
function fuzzLine(k: number): Buffer {
  const template = templates[int(0, templates.length - 1)] as string;
  switch (int(0, 10)) {
    case 0: {
      count("random-bytes");
      const bytes = Buffer.alloc(int(1, 300));
      for (let i = 0; i < bytes.length; i++) {
        const byte = int(0, 255);
        bytes[i] = byte === 10 ? 32 : byte;
      }
      return bytes;
    }
    case 1: {
      count("invalid-utf8");
      const text = Buffer.from(template, "utf8");
      const at = int(0, text.length);
      return Buffer.concat([text.subarray(0, at), Buffer.from([0xff, 0xc3, 0x28]), text.subarray(at)]);
    }
    case 2: {
      count("truncated-json");
      let cut = template.slice(0, int(1, template.length - 1));
      while (parses(cut) !== undefined) cut = `${cut}{`;
      return Buffer.from(cut);
    }
    case 3: {
      count("byte-flips");
      const chars = [...template];
      for (let i = 0; i < int(1, 8); i++) chars[int(0, chars.length - 1)] = String.fromCharCode(int(33, 126));
      const flipped = chars.join("");
      // A flip that still parses could be a valid message; make it unparseable instead.
      return Buffer.from(parses(flipped) === undefined ? flipped : `${flipped}}`);
    }
    case 4:
      count("not-an-object");
      return Buffer.from(["42", '"text"', "[1,2,3]", "null", "true", "-0.5e9"][int(0, 5)] as string);
    case 5: {
      count("invalid-notification");
      const value = parses(template) as { params?: { message?: Record<string, unknown> } } | undefined;
      const message = value?.params?.message ?? {};
      const broken = { ...message, id: ["x", -1.5, null, {}][int(0, 3)], chat_id: "chat", guid: 7 };
      return Buffer.from(
        JSON.stringify({ jsonrpc: "2.0", method: "message", params: { subscription: 1, message: broken } }),
      );
    }
    case 6:
      count("unknown-method");
      return Buffer.from(JSON.stringify({ jsonrpc: "2.0", method: `fuzz.${k}`, params: { n: k } }));
    case 7:
      count("stray-response");
      return Buffer.from(
        random() < 0.5
          ? JSON.stringify({ jsonrpc: "2.0", id: `fuzz-${k}`, result: { ok: true } })
          : JSON.stringify({
              jsonrpc: "2.0",
              id: 1_000_000_000 + k,
              error: { code: -32603, message: "fuzz" },
            }),
      );
    case 8:
      count("blank-or-crlf");
      return Buffer.from(["", "   ", "\t", "\r"][int(0, 3)] as string);
    case 9: {
      count("deep-nesting");
      const depth = int(100, 5000);
      return Buffer.from(
        random() < 0.5
          ? `${"[".repeat(depth)}${"]".repeat(depth)}`
          : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
      );
    }
    default: {
      count("fused-partial");
      // Half a line, then the next write completes it with something else: one garbled line.
      const half = template.slice(0, Math.floor(template.length / 2));
      return Buffer.from(`${half}${template.slice(int(0, template.length - 1))}${parses(half) ? "" : "}"}`);
    }
  }
}

async function writeOversized(): Promise<void> {
  count("oversized");
  const head = Buffer.from(
    '{"jsonrpc":"2.0","method":"message","params":{"subscription":1,"message":{"text":"',
  );
  const chunk = Buffer.alloc(1024 * 1024, "A");
  const write = (buffer: Buffer) =>
    process.stdout.write(buffer)
      ? Promise.resolve()
      : new Promise((resolve) => process.stdout.once("drain", resolve));
  await write(head);
  for (let left = oversizedBytes - head.length; left > 0; left -= chunk.length) {
    await write(left >= chunk.length ? chunk : chunk.subarray(0, left));
  }
  await write(Buffer.from('"}}}\n'));
}

async function fuzz(): Promise<void> {
  // Let the handshake and the watch subscription through first.
  while (real < 2) await new Promise((resolve) => setTimeout(resolve, 20));
  for (let k = 0; k < total; k++) {
    emit(Buffer.concat([fuzzLine(k), Buffer.from("\n")]));
    if (k === Math.floor(total / 2)) {
      emit(writeOversized);
      while (!existsSync(realStartedFile)) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (k % 200 === 199) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, (spreadMs * 200) / total)));
      while (queue.length > 1000) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  emit(async () => {
    count("partial-at-exit");
    writeFileSync(join(dir, "fuzz-done.json"), JSON.stringify({ lines: total, real, counts }));
    const half = (templates[0] as string).slice(0, 40);
    process.stdout.write(half, () => {
      imsg.kill("SIGKILL");
      process.exit(1);
    });
  });
}

if (claimFuzzing()) void fuzz();
imsg.on("exit", (code) => {
  emit(async () => process.exit(code ?? 1));
});
