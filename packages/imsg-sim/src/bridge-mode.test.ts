import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { type Line, runBin } from "./__fixtures__/rpc-peer.ts";
import { useSimPeers } from "./__fixtures__/sim-peers.ts";
import { readBridgeCalls } from "./bridge-journal.ts";
import { injectMessage } from "./inject-message.ts";
import { tapbackText } from "./tapback-kinds.ts";
import { waitFor } from "./wait-for.ts";

const CONTACT = "+15551234567";
let first: { id: number; guid: string; chatId: number };
const fixture = useSimPeers((sim) => {
  first = injectMessage(sim.db, { from: CONTACT, text: "hello there" });
});
const { start } = fixture;
const BRIDGE = { IMSG_SIM_BRIDGE: "1" };

const errorOf = (line: Line) => line.error as { code: number; message: string; data: unknown };
const resultOf = (line: Line) => {
  if (line.error) throw new Error(`unexpected error ${JSON.stringify(line.error)}`);
  return line.result as Record<string, unknown>;
};

function row(db: string, sql: string, ...args: Array<string | number>): Record<string, unknown> | undefined {
  const connection = new DatabaseSync(db, { readOnly: true });
  try {
    return connection.prepare(sql).get(...args) as Record<string, unknown> | undefined;
  } finally {
    connection.close();
  }
}

const messageCount = (db: string) => Number(row(db, "SELECT COUNT(*) AS n FROM message")?.n);

describe("bridge down (default)", () => {
  it("0.15: status lists no bridge method, bridge.ready is false, typing/read/tapback and reply_to are -32003 and write nothing", async () => {
    const peer = start("0.15");
    const status = resultOf(await peer.request("status"));
    expect(status.methods).not.toEqual(expect.arrayContaining(["typing"]));
    for (const method of ["typing", "read", "tapback"]) expect(status.methods).not.toContain(method);
    expect(status.supported_methods).toEqual(expect.arrayContaining(["typing", "read", "tapback"]));
    expect(status.bridge).toMatchObject({ ready: false });
    const before = messageCount(fixture.sim.db);
    for (const [method, params] of [
      ["typing", { chat_id: first.chatId }],
      ["read", { chat_id: first.chatId }],
      ["tapback", { chat_id: first.chatId, message_guid: first.guid, reaction: "love" }],
      ["send", { chat_id: first.chatId, text: "threaded", reply_to: first.guid }],
    ] as const) {
      expect(errorOf(await peer.request(method, params)), method).toMatchObject({
        code: -32003,
        message: "Bridge not running",
      });
    }
    expect(messageCount(fixture.sim.db)).toBe(before);
    expect(readBridgeCalls(fixture.sim.db)).toEqual([]);
    expect(row(fixture.sim.db, "SELECT is_read FROM message WHERE ROWID = ?", first.id)?.is_read).toBe(0);
  });

  it("0.9: typing/read/tapback are -32603; send ignores reply_to (0.9's send has none); CLI status says no advanced features", async () => {
    const peer = start("0.9");
    for (const method of ["typing", "read", "tapback"]) {
      expect(errorOf(await peer.request(method, { chat_id: first.chatId })), method).toMatchObject({
        code: -32603,
      });
    }
    const sent = resultOf(
      await peer.request("send", { chat_id: first.chatId, text: "x", reply_to: first.guid }),
    );
    expect(
      row(fixture.sim.db, "SELECT thread_originator_guid AS t FROM message WHERE ROWID = ?", Number(sent.id))
        ?.t,
    ).toBeNull();
    const cli = await runBin("imsg", ["status", "--json"], { IMSG_SIM_COMPAT: "0.9" });
    expect(JSON.parse(cli.stdout)).toMatchObject({ advanced_features: false, typing_indicators: false });
  });
});

describe.each(["0.9", "0.15"] as const)("bridge up, IMSG_SIM_BRIDGE=1 (%s)", (compat) => {
  it("typing is journaled per chat with its on/off state; read marks the chat's unread inbound rows read", async () => {
    const peer = start(compat, BRIDGE);
    const second = injectMessage(fixture.sim.db, { from: CONTACT, text: "second" });
    expect(resultOf(await peer.request("typing", { chat_id: first.chatId }))).toEqual({ ok: true });
    expect(resultOf(await peer.request("typing", { to: CONTACT, typing: false }))).toEqual({ ok: true });
    expect(resultOf(await peer.request("read", { chat_guid: `iMessage;-;${CONTACT}` }))).toEqual({
      ok: true,
    });
    expect(resultOf(await peer.request("read", { chat_id: first.chatId }))).toEqual({ ok: true });
    const calls = readBridgeCalls(fixture.sim.db);
    expect(calls.map(({ method, chatId, typing, marked }) => ({ method, chatId, typing, marked }))).toEqual([
      { method: "typing", chatId: first.chatId, typing: true, marked: undefined },
      { method: "typing", chatId: first.chatId, typing: false, marked: undefined },
      { method: "read", chatId: first.chatId, typing: undefined, marked: 2 },
      { method: "read", chatId: first.chatId, typing: undefined, marked: 0 },
    ]);
    for (const id of [first.id, second.id]) {
      const state = row(
        fixture.sim.db,
        "SELECT is_read, date_read > 0 AS dated FROM message WHERE ROWID = ?",
        id,
      );
      expect(state?.is_read).toBe(1);
      expect(state?.dated).toBe(1);
    }
    expect(errorOf(await peer.request("typing", { chat_id: 999 }))).toMatchObject({
      code: -32602,
      data: "Chat not found: 999",
    });
    expect(errorOf(await peer.request("typing", {}))).toMatchObject({ code: -32602 });
  });

  it("tapback writes the reaction row Messages writes (2000–2005 add, 3000–3005 remove) and watches see it only with include_reactions", async () => {
    const peer = start(compat, BRIDGE);
    const plain = resultOf(await peer.request("watch.subscribe", { debounce_ms: 0 })).subscription;
    const withReactions = resultOf(
      await peer.request("watch.subscribe", { debounce_ms: 0, include_reactions: true }),
    ).subscription;
    const love = resultOf(
      await peer.request("tapback", { chat_id: first.chatId, message_guid: first.guid, reaction: "love" }),
    );
    expect(love).toMatchObject({ ok: true, reaction: "love" });
    const removed = resultOf(
      await peer.request("tapback", { message_guid: first.guid, reaction: "love", remove: true }),
    );
    expect(removed).toMatchObject({ ok: true, reaction: "remove-love" });
    const emphasize = resultOf(
      await peer.request("tapback", {
        chat_id: first.chatId,
        message_guid: first.guid,
        reaction: "emphasize",
      }),
    );
    for (const [result, type, text] of [
      [love, 2000, "Loved “hello there”"],
      [removed, 3000, "Removed a heart from “hello there”"],
      [emphasize, 2004, "Emphasized “hello there”"],
    ] as const) {
      expect(
        row(
          fixture.sim.db,
          `SELECT m.is_from_me AS me, m.handle_id AS h, m.associated_message_guid AS assoc, m.associated_message_type AS type,
             m.text AS text, cmj.chat_id AS chat FROM message m JOIN chat_message_join cmj ON cmj.message_id = m.ROWID WHERE m.guid = ?`,
          String(result.guid),
        ),
      ).toEqual({ me: 1, h: 0, assoc: `p:0/${first.guid}`, type, text, chat: first.chatId });
    }
    const reactionRows = await waitFor(() => {
      const rows = peer
        .notifications("message")
        .filter((l) => (l.params as { subscription: number }).subscription === withReactions);
      return rows.length === 3 ? rows.map((l) => (l.params as { message: unknown }).message) : undefined;
    }, "three reaction rows on the include_reactions watch");
    expect(reactionRows[0]).toMatchObject({
      is_reaction: true,
      is_from_me: true,
      reaction_type: "love",
      is_reaction_add: true,
      reacted_to_guid: first.guid,
      chat_id: first.chatId,
    });
    expect(reactionRows[1]).toMatchObject({
      reaction_type: "love",
      is_reaction_add: false,
    });
    // A marker row proves the plain watch has polled past the reaction rows without emitting them.
    const marker = injectMessage(fixture.sim.db, { from: CONTACT, text: "marker" });
    // Both watches emit the marker; wait for it on the plain one, not whichever polls first.
    const plainRows = await waitFor(() => {
      const rows = peer
        .notifications("message")
        .filter((l) => (l.params as { subscription: number }).subscription === plain);
      return rows.some((l) => (l.params as { message: { id: number } }).message.id === marker.id)
        ? rows
        : undefined;
    }, "the marker on the plain watch");
    expect(plainRows.map((l) => (l.params as { message: { id: number } }).message.id)).toEqual([marker.id]);
    expect(readBridgeCalls(fixture.sim.db).map((c) => [c.method, c.reaction, c.remove])).toEqual([
      ["tapback", "love", false],
      ["tapback", "love", true],
      ["tapback", "emphasize", false],
    ]);
  });

  it("tapback refuses an unknown message, a wrong chat and an unknown reaction with -32602, writing nothing", async () => {
    const peer = start(compat, BRIDGE);
    const other = injectMessage(fixture.sim.db, { from: "+15559990000", text: "elsewhere" });
    const before = messageCount(fixture.sim.db);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ message_guid: "NOPE", reaction: "love" }, "message not found: NOPE"],
      [
        { chat_id: other.chatId, message_guid: first.guid, reaction: "like" },
        `message ${first.guid} is not in chat ${other.chatId}`,
      ],
      [
        { message_guid: first.guid, reaction: "wave" },
        "unsupported reaction: wave (use love, like, dislike, laugh, emphasize or question)",
      ],
      [{ reaction: "love" }, "message_guid is required"],
    ];
    for (const [params, data] of cases) {
      expect(errorOf(await peer.request("tapback", params)), JSON.stringify(params)).toEqual({
        code: -32602,
        message: "Invalid params",
        data,
      });
    }
    expect(messageCount(fixture.sim.db)).toBe(before);
  });
});

describe("bridge up, 0.15 only", () => {
  it("status/initialize list typing, read and tapback as usable and the bridge as ready", async () => {
    const peer = start("0.15", BRIDGE);
    for (const method of ["initialize", "status"]) {
      const status = resultOf(await peer.request(method));
      expect(status.methods).toEqual(
        expect.arrayContaining(["typing", "read", "tapback", "send", "watch.subscribe"]),
      );
      expect(status.bridge).toMatchObject({ ready: true });
    }
    const cli = await runBin("imsg", ["status", "--json", "--sim-bridge"], { IMSG_SIM_COMPAT: "0.15" });
    expect(JSON.parse(cli.stdout)).toMatchObject({
      advanced_features: true,
      typing_indicators: true,
      read_receipts: true,
      rpc_methods: expect.arrayContaining(["typing", "read", "tapback"]),
    });
  });

  it("send and send.tracked with reply_to write thread_originator_guid (an inline reply, reported by history)", async () => {
    const peer = start("0.15", BRIDGE);
    const sent = resultOf(
      await peer.request("send", { chat_id: first.chatId, text: "threaded answer", reply_to: first.guid }),
    );
    const attempt = "6a1c1f0e-2b7d-4c35-9d0e-0c6f1c2b3a4d";
    await peer.request("send.tracked", {
      chat_id: first.chatId,
      text: "tracked threaded",
      attempt_id: attempt,
      replyTo: first.guid,
    });
    const history = resultOf(await peer.request("messages.history", { chat_id: first.chatId }))
      .messages as Array<Record<string, unknown>>;
    for (const guid of [sent.guid, attempt]) {
      expect(history.find((m) => m.guid === guid)).toMatchObject({
        thread_originator_guid: first.guid,
        reply_to_text: "hello there",
        reply_to_sender: CONTACT,
      });
    }
  });

  it("messages.after returns reaction rows only with include_reactions", async () => {
    const peer = start("0.15", BRIDGE);
    const since = first.id;
    const tap = resultOf(await peer.request("tapback", { message_guid: first.guid, reaction: "like" }));
    const without = resultOf(await peer.request("messages.after", { since_rowid: since }));
    const withReactions = resultOf(
      await peer.request("messages.after", { since_rowid: since, include_reactions: true }),
    );
    expect(without.messages).toEqual([]);
    expect(without.next_rowid).toBe(since);
    expect(withReactions.messages).toEqual([
      expect.objectContaining({
        guid: tap.guid,
        is_reaction: true,
        reaction_type: "like",
        reacted_to_guid: first.guid,
      }),
    ]);
  });
});

describe("inbound tapbacks for tests (inject)", () => {
  it("a structured reaction from another person gets Messages' text; a removal is 3000-series; the legacy text form is a plain row", async () => {
    const peer = start("0.15");
    await peer.request("watch.subscribe", { debounce_ms: 0, include_reactions: true });
    const reaction = injectMessage(fixture.sim.db, {
      from: CONTACT,
      reaction: "laugh",
      reactedTo: first.guid,
    });
    const removal = injectMessage(fixture.sim.db, {
      from: CONTACT,
      reaction: "laugh",
      reactedTo: first.guid,
      removeReaction: true,
    });
    const legacy = injectMessage(fixture.sim.db, { from: CONTACT, text: tapbackText("love", "hello there") });
    const seen = await waitFor(() => {
      const ids = new Set([reaction.id, removal.id, legacy.id]);
      const rows = peer.messages().filter((m) => ids.has(m.id as number));
      return rows.length === 3 ? rows : undefined;
    }, "the three injected rows");
    expect(seen[0]).toMatchObject({
      is_reaction: true,
      is_from_me: false,
      sender: CONTACT,
      reaction_type: "laugh",
      is_reaction_add: true,
      text: "Laughed at “hello there”",
      reacted_to_guid: first.guid,
    });
    expect(seen[1]).toMatchObject({ is_reaction_add: false, text: "Removed a laugh from “hello there”" });
    expect(seen[2]).toMatchObject({ text: "Loved “hello there”", is_from_me: false });
    expect(seen[2]?.is_reaction).toBeUndefined();
  });
});
