import { describe, expect, it } from "vitest";
import { type Line, RpcPeer } from "./__fixtures__/rpc-peer.ts";
import { useSimPeers } from "./__fixtures__/sim-peers.ts";
import { injectMessage } from "./inject-message.ts";

const fixture = useSimPeers((sim) => {
  injectMessage(sim.db, { from: "+15551234567", text: "hello" });
});
const { start } = fixture;

const errorOf = (line: Line) => line.error as { code: number; message: string; data: unknown };

describe.each(["0.9", "0.15"] as const)("§2.2 framing errors (%s)", (compat) => {
  it("answers parse, shape, version, method and unknown-method errors", async () => {
    const peer = start(compat);
    peer.writeLine("not json");
    peer.writeLine("[]");
    peer.writeLine('{"jsonrpc":"1.0","id":3,"method":"chats.list"}');
    peer.writeLine('{"jsonrpc":"2.0","id":4}');
    peer.writeLine('{"jsonrpc":"2.0","id":"five","method":"no.such"}');
    const unknown = await peer.response("five");
    expect(errorOf(unknown)).toEqual({ code: -32601, message: "Method not found", data: "no.such" });
    const nullIds = peer.lines.filter((l) => l.id === null).map((l) => errorOf(l));
    expect(nullIds.map((e) => e.code)).toEqual([-32700, -32600]);
    expect(nullIds[1]?.data).toBe("request must be an object");
    expect(errorOf(await peer.response(3))).toMatchObject({ code: -32600, data: "jsonrpc must be 2.0" });
    expect(errorOf(await peer.response(4))).toMatchObject({ code: -32600, data: "method is required" });
    expect(await peer.close()).toBe(0);
  });

  it("rejects the §2.6 bad requests with -32602 and the documented data strings", async () => {
    const peer = start(compat);
    const cases: Array<[string, unknown, string]> = [
      ["messages.history", {}, "chat_id is required"],
      ["send", { to: "+15550001111", text: "x", service: "carrier-pigeon" }, "invalid service"],
      ["send", { text: "x" }, "to is required for direct sends"],
      ["send", { to: "+15550001111", chat_id: 1, text: "x" }, "use to or chat_*; not both"],
      ["send", { chat_id: 999, text: "x" }, "unknown chat_id 999"],
      ["send", { to: "+15550001111" }, "text or file is required"],
      ["watch.unsubscribe", {}, "subscription is required"],
      ["watch.subscribe", { debounce_ms: -1 }, "debounce_ms must be a non-negative integer"],
    ];
    for (const [method, params, data] of cases) {
      const response = await peer.request(method, params);
      expect(errorOf(response), `${method} ${JSON.stringify(params)}`).toEqual({
        code: -32602,
        message: "Invalid params",
        data,
      });
    }
  });

  it("refuses a contact name no contact matches (-32602) without creating a chat; new numbers and emails still work", async () => {
    const peer = start(compat);
    const chatCount = async () =>
      ((await peer.request("chats.list", { limit: 100 })).result as { chats: unknown[] }).chats.length;
    const before = await chatCount();
    for (const to of ["not a handle", "foo:bar", "imessage:Alice Smith"]) {
      expect(errorOf(await peer.request("send", { to, text: "x" })), to).toEqual({
        code: -32602,
        message: "Invalid params",
        data: `No contact matches "${to}"; specify a phone number or email instead.`,
      });
    }
    expect(await chatCount()).toBe(before);
    for (const to of ["+15550009999", "(555) 000-8888", "New@Example.com"]) {
      expect((await peer.request("send", { to, text: "x" })).result, to).toMatchObject({ ok: true });
    }
    expect(await chatCount()).toBe(before + 3);
  });

  it("resolves a contact name with one match in IMSG_SIM_CONTACTS and refuses an ambiguous one (-32602)", async () => {
    const peer = start(compat, {
      IMSG_SIM_CONTACTS: "Alice Smith=+15550004444;Alice Jones=alice@example.com;Bob=+15550005555",
    });
    expect((await peer.request("send", { to: "bob", text: "hi bob" })).result).toMatchObject({ ok: true });
    const chats = (await peer.request("chats.list", { limit: 100 })).result as {
      chats: { identifier: string }[];
    };
    expect(chats.chats.map((chat) => chat.identifier)).toContain("+15550005555");
    expect(errorOf(await peer.request("send", { to: "Alice", text: "x" }))).toEqual({
      code: -32602,
      message: "Invalid params",
      data: 'Multiple contacts match "Alice":\n  Alice Smith: +15550004444\n  Alice Jones: alice@example.com\nSpecify a phone number or email instead.',
    });
  });

  it("a missing attachment is an AppleScript failure (-32603)", async () => {
    const peer = start(compat);
    const response = await peer.request("send", { to: "+15550001111", file: `${fixture.sim.dir}/nope.jpg` });
    expect(errorOf(response)).toEqual({
      code: -32603,
      message: "Internal error",
      data: `AppleScript failed: Attachment not found at ${fixture.sim.dir}/nope.jpg`,
    });
  });
});

describe("id-less requests", () => {
  it("0.9 answers their errors with id null and never their results", async () => {
    const peer = start("0.9");
    peer.writeLine('{"jsonrpc":"2.0","method":"chats.list","params":{"limit":1}}');
    peer.writeLine('{"jsonrpc":"2.0","method":"messages.history","params":{}}');
    await peer.request("chats.list", { limit: 1 });
    expect(peer.lines.filter((l) => l.id === null).map((l) => errorOf(l).data)).toEqual([
      "chat_id is required",
    ]);
    expect(peer.lines.filter((l) => "result" in l)).toHaveLength(1);
  });

  it("0.15 never answers them, not even errors", async () => {
    const peer = start("0.15");
    peer.writeLine('{"jsonrpc":"2.0","method":"messages.history","params":{}}');
    peer.writeLine('{"jsonrpc":"2.0","method":"no.such"}');
    await peer.request("status");
    expect(peer.lines).toHaveLength(1);
  });
});

describe("param validation", () => {
  it("0.9 coerces strings, numbers and CSV and ignores unknown keys", async () => {
    const peer = start("0.9");
    const history = await peer.request("messages.history", {
      chat_id: "1",
      limit: "5",
      attachments: "true",
      participants: "+15551234567, other@x.com",
      unknown_key: 1,
    });
    const messages = (history.result as { messages: Array<{ text: string }> }).messages;
    expect(messages.map((m) => m.text)).toEqual(["hello"]);
    const chats = await peer.request("chats.list", { limit: 0 });
    expect((chats.result as { chats: unknown[] }).chats).toHaveLength(1);
  });

  it("0.15 rejects unknown keys, wrong types and non-object params, and accepts documented aliases", async () => {
    const peer = start("0.15");
    expect(errorOf(await peer.request("messages.history", { chat_id: "1" }))).toEqual({
      code: -32602,
      message: "Invalid params",
      data: "chat_id must be an integer",
    });
    expect(errorOf(await peer.request("chats.list", { chatId: 1 }))).toMatchObject({
      code: -32602,
      data: "unknown parameter: chatId",
    });
    expect(errorOf(await peer.request("chats.list", [1]))).toMatchObject({
      code: -32600,
      data: "params must be an object",
    });
    expect(errorOf(await peer.request("chats.list", { limit: 0 }))).toMatchObject({ code: -32602 });
    const sub = await peer.request("watch.subscribe", { debounceMs: 0, bufferLimit: 8 });
    expect(sub.result).toEqual({ subscription: 1, buffer_limit: 8 });
    peer.writeLine('{"id":9,"method":"status"}');
    expect(errorOf(await peer.response(9))).toMatchObject({ code: -32600, data: "jsonrpc must be 2.0" });
  });

  it("a bad ISO date is -32603 in 0.9 and -32602 in 0.15", async () => {
    const old = start("0.9");
    const fresh = start("0.15");
    const params = { chat_id: 1, start: "yesterday" };
    expect(errorOf(await old.request("messages.history", params))).toMatchObject({
      code: -32603,
      data: "Invalid ISO8601 date: yesterday",
    });
    expect(errorOf(await fresh.request("messages.history", params))).toMatchObject({ code: -32602 });
  });
});

describe("method surface", () => {
  it("0.9 lacks the 0.15 methods and answers bridge methods -32603", async () => {
    const peer = start("0.9");
    expect(errorOf(await peer.request("initialize"))).toMatchObject({ code: -32601, data: "initialize" });
    expect(errorOf(await peer.request("messages.after", { since_rowid: 0 }))).toMatchObject({ code: -32601 });
    expect(errorOf(await peer.request("typing", { chat_id: 1 }))).toMatchObject({ code: -32603 });
  });

  it("0.15 status lists send, send.tracked and message.send_status; bridge methods are -32003", async () => {
    const peer = start("0.15");
    const status = (await peer.request("initialize", { protocol_version: 1 })).result as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({ version: "0.15.1", protocol_version: 1, database: { ready: true } });
    expect(status.methods).toEqual(expect.arrayContaining(["send", "send.tracked", "message.send_status"]));
    expect(errorOf(await peer.request("tapback", { chat_id: 1 }))).toMatchObject({ code: -32003 });
  });
});

describe("Full Disk Access failure", () => {
  it("0.9 answers every request -32603 with the banner and exits 1 at EOF", async () => {
    const peer = start("0.9", { IMSG_SIM_FDA: "1" });
    const chats = await peer.request("chats.list", { limit: 1 });
    const unknown = await peer.request("no.such");
    for (const response of [chats, unknown]) {
      expect(errorOf(response).code).toBe(-32603);
      expect(String(errorOf(response).data)).toMatch(/Permission Error[\s\S]*Full Disk Access/);
    }
    peer.writeLine("garbage");
    await peer.request("status");
    expect(peer.lines.some((l) => l.id === null && errorOf(l).code === -32700)).toBe(true);
    expect(await peer.close()).toBe(1);
  });

  it("0.15 starts, reports the database not ready and answers database requests -32002", async () => {
    const peer = start("0.15", { IMSG_SIM_FDA: "1" });
    const status = (await peer.request("status")).result as {
      database: { ready: boolean; error: string };
      methods: string[];
    };
    expect(status.database.ready).toBe(false);
    expect(status.database.error).toContain("Full Disk Access");
    expect(status.methods).not.toContain("chats.list");
    const chats = await peer.request("chats.list", {});
    expect(errorOf(chats)).toMatchObject({ code: -32002, message: "Database unavailable" });
    expect(await peer.close()).toBe(0);
  });

  it("a missing database with IMSG_SIM_CREATE_DB=0 behaves like the FDA denial", async () => {
    const peer = fixture.track(
      new RpcPeer(["rpc", "--db", `${fixture.sim.dir}/missing/chat.db`], {
        IMSG_SIM_COMPAT: "0.9",
        IMSG_SIM_CREATE_DB: "0",
      }),
    );
    expect(String(errorOf(await peer.request("chats.list")).data)).toContain("Full Disk Access");
  });
});
