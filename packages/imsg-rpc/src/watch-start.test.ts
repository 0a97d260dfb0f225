import { waitFor } from "@imgate/imsg-sim/testing";
import { afterEach, describe, expect, it } from "vitest";
import { createFakePeer, type FakePeer, fakeMessage } from "./__fixtures__/fake-peer.ts";
import { createImsgClient, type ImsgClient } from "./imsg-client.ts";
import type { WatchDelivery } from "./imsg-watch.ts";
import { planWatchStart, type WatchStart } from "./watch-start.ts";

describe("planWatchStart", () => {
  it("starts a first run at the tail, resumes from a cursor at or below it, and moves a cursor above it", () => {
    expect(planWatchStart(undefined, 40)).toEqual({
      reason: "first-run",
      since: 40,
      tail: 40,
      previousCursor: undefined,
    });
    expect(planWatchStart(40, 40)).toMatchObject({ reason: "resume", since: 40 });
    expect(planWatchStart(12, 40)).toMatchObject({ reason: "resume", since: 12, tail: 40 });
    expect(planWatchStart(5000, 7)).toEqual({
      reason: "database-replaced",
      since: 7,
      tail: 7,
      previousCursor: 5000,
    });
  });
});

const clients: ImsgClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()));
});

/** A 0.9-like peer whose database holds rows up to `tail` (its newest chat row). */
function peerWithTail(tail: number, backlog: number[] = []) {
  return createFakePeer({
    "chats.list": () => ({ chats: [{ id: 2, identifier: "chat123", is_group: true, participants: [] }] }),
    "messages.history": () => ({ messages: tail > 0 ? [fakeMessage(tail)] : [] }),
    "watch.subscribe": (params, peer) => {
      const since = params.since_rowid as number;
      setImmediate(() => {
        for (const id of backlog)
          if (id > since) peer.notify("message", { subscription: 1, message: fakeMessage(id) });
      });
      return { subscription: 1 };
    },
    "watch.unsubscribe": () => ({ ok: true }),
  });
}

function watchOver(peer: FakePeer, sinceRowid: number | undefined) {
  const client = createImsgClient({ transport: async () => peer.process, clock: { now: () => 1_000 } });
  clients.push(client);
  const starts: WatchStart[] = [];
  const seen: Array<{ id: number; delivery: WatchDelivery }> = [];
  return {
    client,
    starts,
    seen,
    open: () =>
      client.watch(
        { ...(sinceRowid !== undefined ? { sinceRowid } : {}), onStart: (start) => starts.push(start) },
        (message, delivery) => void seen.push({ id: message.id, delivery }),
      ),
  };
}

describe("watch start", () => {
  it("tells a first run its tail before subscribing, and delivers later rows as live", async () => {
    const peer = peerWithTail(30, [31]);
    const w = watchOver(peer, undefined);
    await w.client.start();
    const watch = w.open();
    await waitFor(() => w.seen.length === 1, "row 31");
    expect(w.starts).toEqual([{ reason: "first-run", since: 30, tail: 30, previousCursor: undefined }]);
    expect(peer.requests.find((r) => r.method === "watch.subscribe")?.params).toEqual({ since_rowid: 30 });
    expect(w.seen).toEqual([{ id: 31, delivery: { replay: false, receivedAt: 1_000 } }]);
    expect(watch.cursor).toBe(31);
  });

  it("marks rows at or below the tail as replayed backlog on a resume", async () => {
    const peer = peerWithTail(12, [11, 12, 13]);
    const w = watchOver(peer, 10);
    await w.client.start();
    w.open();
    await waitFor(() => w.seen.length === 3, "three rows");
    expect(w.starts.map((s) => s.reason)).toEqual(["resume"]);
    expect(w.seen.map((s) => [s.id, s.delivery.replay])).toEqual([
      [11, true],
      [12, true],
      [13, false],
    ]);
  });

  it("moves a cursor above the database's tail to the new tail (a replaced chat.db) and hears new rows", async () => {
    const peer = peerWithTail(7, [5, 6, 7, 8]);
    const w = watchOver(peer, 5000);
    await w.client.start();
    const watch = w.open();
    await waitFor(() => w.seen.length === 1, "row 8");
    expect(w.starts).toEqual([{ reason: "database-replaced", since: 7, tail: 7, previousCursor: 5000 }]);
    expect(peer.requests.find((r) => r.method === "watch.subscribe")?.params).toEqual({ since_rowid: 7 });
    // 0.9 has no messages.after: the scan was widened before the database was declared replaced.
    const histories = peer.requests.filter((r) => r.method === "messages.history");
    expect(histories.some((r) => (r.params?.limit as number) > 1)).toBe(true);
    expect(w.seen.map((s) => s.id)).toEqual([8]);
    expect(watch.cursor).toBe(8);
  });

  it("on a new imsg process whose database was replaced, drops the old database's queued rows", async () => {
    const peers = [peerWithTail(100, [91, 92, 93]), peerWithTail(3, [4])];
    let started = 0;
    const client = createImsgClient({
      transport: async () => (peers[started++] as FakePeer).process,
      restart: { initialDelayMs: 5, maxDelayMs: 20, jitter: 0 },
      stop: { graceMs: 50, termMs: 50 },
    });
    clients.push(client);
    await client.start();
    const starts: string[] = [];
    const seen: number[] = [];
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const watch = client.watch(
      { sinceRowid: 90, onStart: (start) => starts.push(start.reason) },
      async (message) => {
        seen.push(message.id);
        if (message.id === 91) await blocked;
      },
    );
    await waitFor(() => seen.length === 1, "row 91 in the handler");
    (peers[0] as FakePeer).exit(0);
    await waitFor(() => starts.length === 2, "the start on the new process");
    release();
    await waitFor(() => seen.includes(4), "row 4 of the new database");
    expect(starts).toEqual(["resume", "database-replaced"]);
    // 92 and 93 were queued from the old database: never delivered, and 91 finishing late did not set the cursor.
    expect(seen).toEqual([91, 4]);
    expect(watch.cursor).toBe(4);
  });
});
