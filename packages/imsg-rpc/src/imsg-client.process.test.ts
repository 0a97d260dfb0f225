/**
 * Process-level tests: the client against the imsg stand-in (`packages/imsg-sim/bin/imsg`) as a real
 * child process, in both compat modes, with messages injected by another process.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createSimDb, IMSG_BIN, IMSG_SIM_BIN, seedHistory, waitFor } from "@imgate/imsg-sim/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createImsgClient, type ImsgClient, type ImsgClientOptions } from "./imsg-client.ts";
import { ImsgFullDiskAccessError } from "./imsg-error.ts";
import type { Message } from "./protocol/shapes.ts";
import { spawnTransport } from "./spawn-transport.ts";

const run = promisify(execFile);

let dir: string;
let dbPath: string;
const clients: ImsgClient[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imsg-rpc-"));
  dbPath = createSimDb(dir);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** Injects one inbound message from another process (`imsg-sim inject`); returns its ROWID. */
async function inject(text: string, from = "+15551230001"): Promise<number> {
  const { stdout } = await run(IMSG_SIM_BIN, [
    "inject",
    "--db",
    dbPath,
    "--from",
    from,
    "--text",
    text,
    "--json",
  ]);
  return (JSON.parse(stdout.trim().split("\n").at(-1) as string) as { id: number }).id;
}

function simClient(
  compat: string,
  env: Record<string, string> = {},
  options: Partial<ImsgClientOptions> = {},
) {
  const client = createImsgClient({
    transport: spawnTransport({
      cliPath: IMSG_BIN,
      dbPath,
      env: { IMSG_SIM_COMPAT: compat, IMSG_SIM_POLL_MS: "20", ...env },
    }),
    restart: { initialDelayMs: 20, maxDelayMs: 200 },
    stop: { graceMs: 1000, termMs: 1000 },
    ...options,
  });
  clients.push(client);
  return client;
}

/** Collects watch deliveries in order. */
function collector() {
  const seen: Message[] = [];
  return { seen, ids: () => seen.map((m) => m.id), handler: (m: Message) => void seen.push(m) };
}

describe.each(["0.9", "0.15"])("imsg %s stand-in", (compat) => {
  it("round-trips list, history, send and subscribe; an injected message arrives", async () => {
    const before = await inject("earlier message");
    const client = simClient(compat);
    await client.start();
    expect(client.capabilities?.family).toBe(compat);

    const chats = await client.chatsList({ limit: 5 });
    expect(chats.map((c) => c.identifier)).toContain("+15551230001");
    const chat = chats.find((c) => c.identifier === "+15551230001");
    const history = await client.messagesHistory({ chat_id: chat?.id as number, limit: 5 });
    expect(history.map((m) => m.text)).toEqual(["earlier message"]);

    const received = collector();
    const watch = client.watch({}, received.handler);
    await waitFor(() => watch.subscription !== undefined, "subscription");
    expect(watch.cursor).toBe(before);

    const sent = await client.send({ chat_id: chat?.id as number, text: "reply from the gateway" });
    expect(sent.ok).toBe(true);
    const id = await inject("hello from outside");
    await waitFor(() => received.ids().includes(id), "injected message");
    const inbound = received.seen.find((m) => m.id === id);
    expect(inbound).toMatchObject({ text: "hello from outside", sender: "+15551230001", is_from_me: false });
    expect(received.seen.some((m) => m.is_from_me && m.text === "reply from the gateway")).toBe(true);
    expect(received.ids()).toEqual([...received.ids()].sort((a, b) => a - b));
  });

  it("delivers every injected message exactly once and in order across a SIGKILL of imsg", async () => {
    await inject("before the watch");
    const client = simClient(compat);
    await client.start();
    const received = collector();
    const watch = client.watch({}, received.handler);
    await waitFor(() => watch.subscription !== undefined, "subscription");

    const injected: number[] = [];
    for (let i = 0; i < 3; i++) injected.push(await inject(`first ${i}`));
    await waitFor(() => received.seen.length >= 1, "a first delivery");
    const pid = client.state.pid as number;
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 3; i++) injected.push(await inject(`second ${i}`));
    await waitFor(() => client.state.pid !== undefined && client.state.pid !== pid, "a restarted imsg");
    for (let i = 0; i < 2; i++) injected.push(await inject(`third ${i}`));

    await waitFor(() => received.seen.length >= injected.length, "all injected messages");
    expect(received.ids()).toEqual(injected);
    expect(client.stats().restarts).toBeGreaterThanOrEqual(1);
  });

  it("stays usable through garbage lines and a 64 MiB line, with bounded buffering", async () => {
    const maxLineBytes = 4 * 1024 * 1024;
    const client = simClient(
      compat,
      {
        IMSG_SIM_GARBAGE_EVERY: "2",
        IMSG_SIM_OVERSIZED_AFTER: "3",
        IMSG_SIM_OVERSIZED_BYTES: String(64 * 1024 * 1024),
      },
      { maxLineBytes },
    );
    await client.start();
    const received = collector();
    const watch = client.watch({}, received.handler);
    // A first run starts at the tail it reads: inject only once that read is done, or the row is old.
    await waitFor(() => watch.subscription !== undefined, "subscription");
    const id = await inject("after the noise");
    await waitFor(() => received.ids().includes(id), "message after garbage and oversized lines");
    const chats = await client.chatsList({ limit: 1 });
    expect(chats).toHaveLength(1);
    const stats = client.stats();
    expect(stats.invalidJson).toBeGreaterThanOrEqual(2);
    expect(stats.oversizedLines).toBe(1);
    expect(stats.peakBufferedLineBytes).toBeLessThanOrEqual(maxLineBytes);
    expect(stats.restarts).toBe(0);
  });

  it("recovers from a partial last line (imsg dying mid-write) without losing or repeating messages", async () => {
    const client = simClient(compat, { IMSG_SIM_PARTIAL_AFTER: "7" });
    await client.start();
    const received = collector();
    const watch = client.watch({ sinceRowid: 0 }, received.handler);
    await waitFor(() => watch.subscription !== undefined, "subscription");
    const injected: number[] = [];
    for (let i = 0; i < 6; i++) {
      injected.push(await inject(`partial ${i}`));
      await waitFor(() => received.seen.length === injected.length, `message ${i}`);
    }
    expect(received.ids()).toEqual(injected);
    expect(client.stats().restarts).toBeGreaterThanOrEqual(1);
    expect(client.stats().invalidJson).toBeGreaterThanOrEqual(1);
  });

  it("reports missing Full Disk Access as a typed error naming the binary", async () => {
    const client = simClient(compat, { IMSG_SIM_FDA: "1" }, { restart: { maxAttempts: 1 } });
    const error = await client.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsgFullDiskAccessError);
    expect((error as Error).message).toContain(IMSG_BIN);
    expect((error as Error).message).toContain("Full Disk Access");
    expect(client.state.status).toBe("failed");
  });
});

describe("imsg 0.15 stand-in overflow", () => {
  it("resumes from resume_after_rowid after watch.overflow without losing or repeating messages", async () => {
    const client = simClient("0.15", { IMSG_SIM_OVERFLOW_AFTER: "2" });
    await client.start();
    const received = collector();
    const watch = client.watch({ sinceRowid: 0 }, received.handler);
    await waitFor(() => watch.subscription !== undefined, "subscription");
    const injected: number[] = [];
    for (let i = 0; i < 5; i++) injected.push(await inject(`burst ${i}`));
    await waitFor(() => received.seen.length >= injected.length, "all messages across overflows");
    expect(received.ids()).toEqual(injected);
    expect(client.stats().notifications["watch.overflow"]).toBeGreaterThanOrEqual(1);
  });
});

describe("imsg 0.15 stand-in catch-up", () => {
  it("drains a backlog behind the cursor with messages.after pages, in order, then follows the watch", async () => {
    const client = simClient("0.15");
    await client.start();
    const cursor = await inject("before the downtime");
    const backlog = seedHistory(dbPath, { messages: 1200, chats: 3 });
    const received = collector();
    // maxQueued 400: pages of 200, each requested only when the queue has room for it.
    const watch = client.watch({ sinceRowid: cursor, maxQueued: 400 }, received.handler);
    await waitFor(() => received.seen.length >= 1200, "the backlog");
    await waitFor(() => watch.subscription !== undefined, "subscription after the pages");
    const live = await inject("after the catch-up");
    await waitFor(() => received.ids().includes(live), "the live message");
    const expected = Array.from({ length: 1200 }, (_, i) => backlog.firstRowid + i);
    expect(received.ids()).toEqual([...expected, live]);
    // The backlog came in pages, not as watch notifications.
    expect(client.stats().notifications.message ?? 0).toBeLessThan(100);
  });

  it("pages from cursor 0 too (the start point a first run on an empty chat.db persists)", async () => {
    const client = simClient("0.15");
    await client.start();
    const backlog = seedHistory(dbPath, { messages: 600, chats: 3 });
    const received = collector();
    const watch = client.watch({ sinceRowid: 0, maxQueued: 400 }, received.handler);
    await waitFor(() => received.seen.length >= 600, "the backlog");
    await waitFor(() => watch.subscription !== undefined, "subscription after the pages");
    expect(received.ids()).toEqual(Array.from({ length: 600 }, (_, i) => backlog.firstRowid + i));
    // Pages, not ~100 rows per watch poll (a backlog behind cursor 0 used to crawl in by notifications).
    expect(client.stats().notifications.message ?? 0).toBeLessThan(100);
  });
});

describe("a deaf subscription (imsg 0.15, IMSG_SIM_DEAF_FILE)", () => {
  it("received stays behind what messages.after shows; resubscribe() catches up once, on the same process", async () => {
    const deafFile = join(dir, "deaf");
    const client = simClient("0.15", { IMSG_SIM_DEAF_FILE: deafFile });
    await client.start();
    const received = collector();
    const watch = client.watch({}, received.handler);
    await waitFor(() => watch.subscription !== undefined, "subscription");
    const live = await inject("live");
    await waitFor(() => received.ids().includes(live), "the live message");
    expect(watch.received).toBe(live);

    writeFileSync(deafFile, "");
    const missed = await inject("missed");
    const probe = await client.messagesAfter({ since_rowid: watch.received as number, limit: 1 });
    expect(probe.messages.map((message) => message.id)).toEqual([missed]);
    expect(watch.received).toBe(live);

    const pid = client.state.pid;
    const before = watch.subscription;
    expect(watch.resubscribe()).toBe(true);
    await waitFor(() => received.ids().includes(missed), "the missed message after resubscribing");
    await waitFor(
      () => watch.subscription !== undefined && watch.subscription !== before,
      "a new subscription",
    );
    const after = await inject("after");
    await waitFor(() => received.ids().includes(after), "a message on the new subscription");
    expect(received.ids()).toEqual([live, missed, after]);
    expect(client.state.pid).toBe(pid);
  });
});
