import { waitFor } from "@imgate/imsg-sim/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  createFakePeer,
  type FakePeer,
  fakeMessage,
  NO_REPLY,
  PeerError,
  type PeerHandler,
} from "./__fixtures__/fake-peer.ts";
import { createImsgClient, type ImsgClient, type ImsgClientOptions } from "./imsg-client.ts";
import {
  ImsgAbortedError,
  ImsgExitedError,
  ImsgFullDiskAccessError,
  ImsgInvalidParamsError,
  ImsgTimeoutError,
  ImsgUnsupportedMethodError,
} from "./imsg-error.ts";
import type { Message } from "./protocol/shapes.ts";

const FAST_RESTART = { initialDelayMs: 5, maxDelayMs: 20, jitter: 0 };

const status015 = {
  version: "0.15.1",
  protocol_version: 1,
  database: { path: "/tmp/chat.db", ready: true },
  methods: [
    "chats.list",
    "messages.history",
    "messages.after",
    "watch.subscribe",
    "watch.unsubscribe",
    "send",
  ],
};

/** A 0.9-like peer: no initialize; subscribe ids count per process. */
function peer09(extra: Record<string, PeerHandler> = {}): Record<string, PeerHandler> {
  let nextSubscription = 1;
  return {
    "chats.list": () => ({ chats: [{ id: 2, identifier: "chat123", is_group: true, participants: [] }] }),
    "messages.history": () => ({ messages: [fakeMessage(10)] }),
    "watch.subscribe": () => ({ subscription: nextSubscription++ }),
    "watch.unsubscribe": () => ({ ok: true }),
    ...extra,
  };
}

function peer015(extra: Record<string, PeerHandler> = {}): Record<string, PeerHandler> {
  return {
    ...peer09(),
    initialize: () => status015,
    status: () => status015,
    "messages.after": (params) => ({ messages: [], next_rowid: params.since_rowid, has_more: false }),
    ...extra,
  };
}

const clients: ImsgClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()));
});

/** A client whose transport hands out a fresh fake peer per start; `peers` records them. */
function clientOver(handlers: () => Record<string, PeerHandler>, options: Partial<ImsgClientOptions> = {}) {
  const peers: FakePeer[] = [];
  const client = createImsgClient({
    transport: async () => {
      const peer = createFakePeer(handlers(), `fake imsg #${peers.length + 1}`);
      peers.push(peer);
      return peer.process;
    },
    restart: FAST_RESTART,
    stop: { graceMs: 50, termMs: 50 },
    ...options,
  });
  clients.push(client);
  return { client, peers };
}

describe("capability detection and params", () => {
  it("falls back to the 0.9 surface on -32601 and never sends 0.15-only params", async () => {
    const { client, peers } = clientOver(() => peer09({ send: () => ({ ok: true, id: 5, guid: "G" }) }));
    await client.start();
    expect(client.capabilities).toMatchObject({ family: "0.9", bufferLimit: false, messagesAfter: false });
    await client.send({ chat_id: 2, text: "hi", reply_to: "X", allow_sms_fallback: true, file: undefined });
    const sent = peers[0]?.requests.find((r) => r.method === "send");
    expect(sent?.params).toEqual({ chat_id: 2, text: "hi" });
    expect(sent?.raw).not.toContain("file");
    await expect(client.messagesAfter({ since_rowid: 1 })).rejects.toBeInstanceOf(ImsgUnsupportedMethodError);
  });

  it("detects 0.15 via initialize and rejects bad params before sending", async () => {
    const { client, peers } = clientOver(() => peer015());
    await client.start();
    expect(client.capabilities).toMatchObject({ family: "0.15", version: "0.15.1", messagesAfter: true });
    expect(client.capabilities?.sendTracked).toBe(false);
    await expect(client.messagesHistory({ chat_id: "2" as unknown as number })).rejects.toBeInstanceOf(
      ImsgInvalidParamsError,
    );
    expect(peers[0]?.requests.some((r) => r.method === "messages.history")).toBe(false);
    const chats = await client.chatsList({ limit: 5, unread_only: true });
    expect(chats[0]).toMatchObject({ id: 2, guid: "", name: "" });
  });
});

describe("requests", () => {
  it("times out, honours AbortSignal, and rejects pending calls with a typed error when imsg exits", async () => {
    const { client, peers } = clientOver(() =>
      peer09({ "messages.history": () => NO_REPLY, send: () => NO_REPLY }),
    );
    await client.start();
    await expect(client.messagesHistory({ chat_id: 2 }, { timeoutMs: 30 })).rejects.toBeInstanceOf(
      ImsgTimeoutError,
    );
    const controller = new AbortController();
    const aborted = client.messagesHistory({ chat_id: 2 }, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(ImsgAbortedError);
    const pending = client.send({ to: "+15551234567", text: "x" });
    await waitFor(() => peers[0]?.requests.some((r) => r.method === "send") ?? false, "send written");
    peers[0]?.exit(1);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsgExitedError);
    expect((error as ImsgExitedError).message).toContain("exited with code 1");
  });

  it("surfaces id:null error responses as an event and a counter", async () => {
    const { client, peers } = clientOver(() => peer09());
    await client.start();
    const seen: number[] = [];
    client.onNullIdError((error) => seen.push(error.code));
    peers[0]?.writeRaw('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}\n');
    await waitFor(() => seen.length === 1, "null-id event");
    expect(seen).toEqual([-32700]);
    expect(client.stats().nullIdErrors).toBe(1);
  });
});

describe("Full Disk Access", () => {
  it("0.9: -32603 with the FDA text becomes ImsgFullDiskAccessError naming the binary", async () => {
    const fda = () => {
      throw new PeerError(
        -32603,
        "Internal error",
        "Permission Error: grant Full Disk Access to read chat.db",
      );
    };
    const { client } = clientOver(() => ({ initialize: fda, "chats.list": fda }), {
      restart: { ...FAST_RESTART, maxAttempts: 1 },
    });
    const error = await client.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImsgFullDiskAccessError);
    expect((error as Error).message).toContain("fake imsg #1");
    expect(client.state.status).toBe("failed");
  });

  it("0.15: -32002 on the readiness probe becomes ImsgFullDiskAccessError and is retried with backoff", async () => {
    const { client, peers } = clientOver(() =>
      peer015({
        "chats.list": () => {
          throw new PeerError(-32002, "Database unavailable", { detail: "authorization denied" });
        },
      }),
    );
    void client.start().catch(() => {});
    await waitFor(() => peers.length >= 2, "a second attempt");
    expect(client.state.lastError).toBeInstanceOf(ImsgFullDiskAccessError);
    expect(client.stats().restarts).toBeGreaterThanOrEqual(1);
  });
});

describe("watch", () => {
  it("starts at the tail, handles the 0.9 early-notification race, dedupes and resumes after a restart", async () => {
    let processes = 0;
    const { client, peers } = clientOver(() => {
      processes++;
      const first = processes === 1;
      return peer09({
        // The second process's database holds the rows the first one delivered (its tail is 12).
        ...(first ? {} : { "messages.history": () => ({ messages: [fakeMessage(12)] }) }),
        "watch.subscribe": (_params, peer) => {
          // 0.9 race: the backlog notification is written before the subscribe result (§2.4).
          if (!first) {
            peer.notify("message", { subscription: 7, message: fakeMessage(11) });
            peer.notify("message", { subscription: 7, message: fakeMessage(12) });
          }
          return { subscription: first ? 3 : 7 };
        },
      });
    });
    await client.start();
    const seen: number[] = [];
    const watch = client.watch({}, (message: Message) => {
      seen.push(message.id);
    });
    await waitFor(() => watch.subscription === 3, "first subscription");
    expect(watch.cursor).toBe(10);
    expect(peers[0]?.requests.find((r) => r.method === "watch.subscribe")?.params).toEqual({
      since_rowid: 10,
    });
    peers[0]?.notify("message", { subscription: 3, message: fakeMessage(11) });
    await waitFor(() => watch.cursor === 11, "rowid 11 acknowledged");
    peers[0]?.exit(0);
    await waitFor(() => watch.subscription === 7, "resubscribed on the new process");
    expect(peers[1]?.requests.find((r) => r.method === "watch.subscribe")?.params).toEqual({
      since_rowid: 11,
    });
    await waitFor(() => watch.cursor === 12, "rowid 12 acknowledged");
    expect(seen).toEqual([11, 12]);
    expect(client.stats().duplicatesSkipped).toBe(1);
    expect(client.stats().restarts).toBe(1);
  });

  it("counts invalid notifications, resumes after watch.overflow and after an error notification", async () => {
    const { client, peers } = clientOver(() => peer015());
    await client.start();
    const seen: number[] = [];
    const watch = client.watch({ sinceRowid: 0, bufferLimit: 16 }, (message) => {
      seen.push(message.id);
    });
    await waitFor(() => watch.subscription === 1, "subscribed");
    const peer = peers[0] as FakePeer;
    expect(peer.requests.find((r) => r.method === "watch.subscribe")?.params).toEqual({
      since_rowid: -1,
      buffer_limit: 16,
    });
    peer.notify("message", { subscription: 1, message: { id: 1 } });
    peer.notify("message", { subscription: 1, message: fakeMessage(1) });
    peer.notify("watch.overflow", {
      subscription: 1,
      resume_after_rowid: 1,
      reason: "buffer_limit_exceeded",
    });
    await waitFor(() => watch.subscription === 2, "resubscribed after overflow");
    expect(peer.requests.filter((r) => r.method === "watch.subscribe")[1]?.params).toMatchObject({
      since_rowid: 1,
    });
    peer.notify("error", { subscription: 2, error: { message: "disk I/O error" } });
    await waitFor(() => watch.subscription === 3, "resubscribed after error");
    peer.notify("message", { subscription: 3, message: fakeMessage(2) });
    await waitFor(() => seen.length === 2, "two messages");
    expect(seen).toEqual([1, 2]);
    expect(client.stats().validationErrors).toBe(1);
    expect(client.stats().notifications).toMatchObject({ message: 3, "watch.overflow": 1, error: 1 });
    await watch.close();
    expect(peer.requests.at(-1)).toMatchObject({ method: "watch.unsubscribe", params: { subscription: 3 } });
  });
});
