/**
 * Typed method results come from the method declarations' zod schemas: a result that does not match
 * is one counted, logged `ImsgInvalidResultError`, never a crash or a wrongly typed value.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createFakePeer, fakeMessage, type PeerHandler } from "./__fixtures__/fake-peer.ts";
import { createImsgClient, type ImsgClient } from "./imsg-client.ts";
import { ImsgInvalidResultError } from "./imsg-error.ts";
import type { Logger } from "./logger.ts";

const status015 = {
  version: "0.15.1",
  protocol_version: 1,
  methods: ["chats.list", "chats.get", "messages.history", "messages.after", "send", "watch.subscribe"],
};

const chat = { id: 2, identifier: "chat123", is_group: false, participants: ["+15551230001"] };

const clients: ImsgClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()));
});

function recordingLogger(warnings: string[]): Logger {
  const ignore = () => {};
  return { debug: ignore, info: ignore, error: ignore, warn: (_fields, message) => warnings.push(message) };
}

async function readyClient(handlers: Record<string, PeerHandler>, warnings: string[] = []) {
  const client = createImsgClient({
    transport: async () =>
      createFakePeer({ initialize: () => status015, "chats.list": () => ({ chats: [chat] }), ...handlers })
        .process,
    logger: recordingLogger(warnings),
    restart: { initialDelayMs: 5, maxDelayMs: 20, jitter: 0 },
    stop: { graceMs: 50, termMs: 50 },
  });
  clients.push(client);
  await client.start();
  return client;
}

describe("typed results", () => {
  it("rejects a result that fails its schema with one clear, counted error and stays ready", async () => {
    const warnings: string[] = [];
    let historyCalls = 0;
    const client = await readyClient(
      {
        "messages.history": () =>
          historyCalls++ === 0 ? { messages: [{ id: "not a rowid" }] } : { messages: [fakeMessage(7)] },
        "messages.after": () => ({ messages: [], next_rowid: "soon" }),
      },
      warnings,
    );
    const failure = await client.messagesHistory({ chat_id: 2 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ImsgInvalidResultError);
    expect(failure).toMatchObject({ code: "IMSG_INVALID_RESULT" });
    expect((failure as Error).message).toMatch(/imsg answered messages\.history with an unexpected result/);
    expect((failure as Error).message).toMatch(/imsg --version/);
    await expect(client.messagesAfter({ since_rowid: 0 })).rejects.toBeInstanceOf(ImsgInvalidResultError);
    expect(client.stats().validationErrors).toBe(2);
    expect(warnings).toEqual([
      "imsg messages.history result failed validation",
      "imsg messages.after result failed validation",
    ]);
    expect(client.state.status).toBe("ready");
    const [message] = await client.messagesHistory({ chat_id: 2 });
    expect(message?.id).toBe(7);
    expect(message?.attachments).toEqual([]);
  });

  it("applies the schema's defaults, so a typed result always has its declared fields", async () => {
    const client = await readyClient({ send: () => ({ ok: true }) });
    const [listed] = await client.chatsList();
    expect(listed).toMatchObject({ id: 2, guid: "", name: "", service: "" });
    await expect(client.send({ to: "+15551230001", text: "hi" })).resolves.toEqual({ ok: true });
  });

  it("unwraps chats.get whether imsg answers {chat} or a bare chat", async () => {
    let wrapped = true;
    const client = await readyClient({ "chats.get": () => (wrapped ? { chat } : chat) });
    expect(await client.chatsGet({ chat_id: 2 })).toMatchObject({ id: 2, identifier: "chat123" });
    wrapped = false;
    expect(await client.chatsGet({ chat_id: 2 })).toMatchObject({ id: 2, identifier: "chat123" });
  });

  it("rejects a chats.get answer that is neither shape", async () => {
    const client = await readyClient({ "chats.get": () => ({ chat: { id: "x" } }) });
    await expect(client.chatsGet({ chat_id: 2 })).rejects.toBeInstanceOf(ImsgInvalidResultError);
    expect(client.stats().validationErrors).toBe(1);
  });
});
