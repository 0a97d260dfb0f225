import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runBin } from "./__fixtures__/rpc-peer.ts";
import { useSimPeers } from "./__fixtures__/sim-peers.ts";
import { injectMessage } from "./inject-message.ts";

const fixture = useSimPeers();
const { start } = fixture;

type Message = Record<string, unknown> & {
  id: number;
  text: string;
  attachments: Array<Record<string, unknown>>;
};

describe.each(["0.9", "0.15"] as const)("list, history and send round trips (%s)", (compat) => {
  it("a DM send creates the chat, inserts an outgoing row and shows up in chats.list and history", async () => {
    const inbound = injectMessage(fixture.sim.db, { from: "+15551234567", text: "hi there" });
    const peer = start(compat);
    const sent = (
      await peer.request("send", { to: "(555) 123-4567", text: "hello back", service: "auto", region: "US" })
    ).result as { ok: boolean; transport: string; id: number; guid: string };
    expect(sent).toMatchObject({ ok: true, transport: "applescript" });
    expect(sent.id).toBeGreaterThan(inbound.id);
    const chats = (await peer.request("chats.list", { limit: 5 })).result as {
      chats: Array<Record<string, unknown>>;
    };
    expect(chats.chats).toHaveLength(1);
    expect(chats.chats[0]).toMatchObject({
      id: inbound.chatId,
      identifier: "+15551234567",
      guid: "iMessage;-;+15551234567",
      participants: ["+15551234567"],
      is_group: false,
    });
    const history = (await peer.request("messages.history", { chat_id: inbound.chatId })).result as {
      messages: Message[];
    };
    expect(history.messages.map((m) => m.text)).toEqual(["hello back", "hi there"]);
    expect(history.messages[0]).toMatchObject({
      id: sent.id,
      guid: sent.guid,
      is_from_me: true,
      sender: "me@icloud.com",
      destination_caller_id: "me@icloud.com",
      chat_id: inbound.chatId,
      reactions: [],
      attachments: [],
    });
    expect(history.messages[1]).not.toHaveProperty("destination_caller_id", "");
  });

  it("text plus file writes two rows; attachments carry total_bytes, original_path and missing", async () => {
    const group = injectMessage(fixture.sim.db, {
      from: "friend@example.com",
      chatIdentifier: "chat123456789",
      group: true,
      name: "Family",
      participants: ["+15551234567"],
      text: "group msg",
      attachment: "~/Library/Messages/Attachments/ab/11/AT-1/IMG_0001.heic",
    });
    const file = `${fixture.sim.dir}/photo.jpg`;
    writeFileSync(file, "jpegbytes");
    const peer = start(compat);
    const sent = (await peer.request("send", { chat_id: group.chatId, text: "look", file })).result as {
      id: number;
    };
    const history = (await peer.request("messages.history", { chat_id: group.chatId, attachments: true }))
      .result as {
      messages: Message[];
    };
    expect(history.messages.map((m) => m.text)).toEqual(["\uFFFC", "look", "group msg"]);
    expect(history.messages[1]?.id).toBe(sent.id);
    const [outgoing] = history.messages[0]?.attachments ?? [];
    expect(outgoing).toMatchObject({
      transfer_name: "photo.jpg",
      mime_type: "image/jpeg",
      total_bytes: 9,
      missing: false,
    });
    expect(String(outgoing?.original_path)).toMatch(/Attachments\/imsg\/[0-9A-F-]+\/photo\.jpg$/);
    expect(history.messages[2]?.attachments).toEqual([
      {
        filename: "~/Library/Messages/Attachments/ab/11/AT-1/IMG_0001.heic",
        transfer_name: "IMG_0001.heic",
        uti: "public.heic",
        mime_type: "image/heic",
        total_bytes: 0,
        is_sticker: false,
        original_path: `${fixture.sim.dir}/Library/Messages/Attachments/ab/11/AT-1/IMG_0001.heic`,
        missing: true,
      },
    ]);
    expect(history.messages[2]).toMatchObject({
      is_group: true,
      chat_name: "Family",
      chat_guid: "iMessage;+;chat123456789",
    });
  });
});

describe("payload details", () => {
  it("decodes attributedBody-only text and summarises reactions in history", async () => {
    const target = injectMessage(fixture.sim.db, {
      from: "+15551234567",
      text: "decoded from the blob ✓",
      attributedOnly: true,
    });
    injectMessage(fixture.sim.db, {
      from: "+15551234567",
      reaction: "love",
      reactedTo: target.guid,
      text: "Loved “x”",
    });
    injectMessage(fixture.sim.db, { from: "+15551234567", text: "a reply", replyTo: target.guid });
    const peer = start("0.9");
    const history = (await peer.request("messages.history", { chat_id: target.chatId })).result as {
      messages: Message[];
    };
    expect(history.messages.map((m) => m.text)).toEqual(["a reply", "decoded from the blob ✓"]);
    expect(history.messages[0]).toMatchObject({
      thread_originator_guid: target.guid,
      reply_to_text: "decoded from the blob ✓",
      reply_to_sender: "+15551234567",
    });
    expect(history.messages[1]?.reactions).toEqual([
      expect.objectContaining({ type: "love", emoji: "❤️", sender: "+15551234567", is_from_me: false }),
    ]);
  });

  it("0.15: messages.after pages in ROWID order, chats.get, send.tracked and message.send_status", async () => {
    const first = injectMessage(fixture.sim.db, { from: "+15551234567", text: "one" });
    injectMessage(fixture.sim.db, {
      from: "+15551234567",
      text: "see https://example.com",
      urlPreview: true,
    });
    injectMessage(fixture.sim.db, { from: "+15551234567", text: "three" });
    const peer = start("0.15");
    const page = (await peer.request("messages.after", { since_rowid: 0, limit: 2 })).result as {
      messages: Message[];
      next_rowid: number;
      has_more: boolean;
    };
    expect(page.messages.map((m) => m.text)).toEqual(["one", "see https://example.com"]);
    expect(page.has_more).toBe(true);
    const rest = (await peer.request("messages.after", { since_rowid: page.next_rowid }))
      .result as typeof page;
    expect(rest.messages.map((m) => m.text)).toEqual(["three"]);
    expect(rest.has_more).toBe(false);
    expect((await peer.request("chats.get", { chat_id: first.chatId })).result).toEqual({
      id: first.chatId,
      identifier: "+15551234567",
      guid: "iMessage;-;+15551234567",
      name: "",
      service: "iMessage",
      is_group: false,
      participants: ["+15551234567"],
    });
    const attemptId = randomUUID();
    const unknown = (await peer.request("message.send_status", { guid: attemptId })).result;
    expect(unknown).toMatchObject({ ok: true, send_state: "pending", status_fields: null });
    const tracked = (
      await peer.request("send.tracked", { chat_id: first.chatId, text: "tracked", attempt_id: attemptId })
    ).result as Record<string, unknown>;
    expect(tracked).toMatchObject({
      ok: true,
      attempt_id: attemptId,
      guid: attemptId,
      message_id: attemptId,
    });
    const known = (await peer.request("message.send_status", { guid: attemptId })).result;
    expect(known).toMatchObject({ guid: attemptId, send_state: "sent", service: "iMessage" });
    const again = await peer.request("send.tracked", {
      chat_id: first.chatId,
      text: "tracked",
      attempt_id: attemptId,
    });
    expect(again.error).toMatchObject({ code: -32602 });
  });
});

describe("CLI commands", () => {
  it("chats, history, send, group, status, --version and rpc --help behave like imsg", async () => {
    const group = injectMessage(fixture.sim.db, {
      from: "friend@example.com",
      chatIdentifier: "chat42",
      group: true,
      name: "Crew",
      text: "yo",
    });
    const env = { HOME: fixture.sim.dir };
    const send = await runBin(
      "imsg",
      ["send", "--db", fixture.sim.db, "--chat-id", String(group.chatId), "--text", "cli hi", "--json"],
      env,
    );
    expect(send).toMatchObject({ code: 0, stdout: '{"status":"sent"}\n' });
    const history = await runBin(
      "imsg",
      ["history", "--db", fixture.sim.db, "--chat-id", String(group.chatId), "--limit", "5", "--json"],
      env,
    );
    const rows = history.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Message);
    expect(rows.map((r) => [r.text, r.is_from_me])).toEqual([
      ["cli hi", true],
      ["yo", false],
    ]);
    expect(rows[0]).not.toHaveProperty("chat_identifier");
    const chats = await runBin("imsg", ["chats", "--db", fixture.sim.db, "--limit", "1", "--json"], env);
    expect(JSON.parse(chats.stdout)).toMatchObject({
      id: group.chatId,
      identifier: "chat42",
      display_name: "Crew",
    });
    const info = await runBin(
      "imsg",
      ["group", "--db", fixture.sim.db, "--chat-id", String(group.chatId), "--json"],
      env,
    );
    expect(JSON.parse(info.stdout)).toMatchObject({ guid: "iMessage;+;chat42", is_group: true });
    const missing = await runBin("imsg", ["group", "--db", fixture.sim.db, "--chat-id", "77", "--json"], env);
    expect(missing).toMatchObject({ code: 1, stdout: "Chat not found: 77\n" });
    const status = await runBin("imsg", ["status", "--json"], { IMSG_SIM_COMPAT: "0.9" });
    expect(JSON.parse(status.stdout)).toMatchObject({
      advanced_features: false,
      v2_ready: false,
      rpc_methods: expect.arrayContaining(["send"]),
    });
    expect(await runBin("imsg", ["--version"], { IMSG_VERSION: "9.9.9" })).toMatchObject({
      code: 0,
      stdout: "9.9.9\n",
    });
    expect(await runBin("imsg", ["-V"], { IMSG_SIM_COMPAT: "0.9" })).toMatchObject({
      code: 0,
      stdout: "0.9.0\n",
    });
    const help = await runBin("imsg", ["rpc", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout.toLowerCase()).not.toContain("unknown command");
    const fda = await runBin("imsg", ["chats", "--db", fixture.sim.db, "--json"], { IMSG_SIM_FDA: "1" });
    expect(fda.code).toBe(1);
    expect(fda.stdout).toContain("Full Disk Access");
  });

  it("imsg-sim inject and seed write from another process", async () => {
    const injected = await runBin("imsg-sim", [
      "inject",
      "--db",
      fixture.sim.db,
      "--from",
      "x@y.z",
      "--text",
      "from cli",
      "--json",
    ]);
    expect(injected.code).toBe(0);
    expect(JSON.parse(injected.stdout)).toMatchObject({ id: 1, chat_id: 1 });
    const seeded = await runBin("imsg-sim", [
      "seed",
      "--db",
      fixture.sim.db,
      "--messages",
      "500",
      "--chats",
      "5",
      "--json",
    ]);
    expect(JSON.parse(seeded.stdout)).toMatchObject({
      messages: 500,
      chats: 5,
      firstRowid: 2,
      lastRowid: 501,
    });
    const bad = await runBin("imsg-sim", ["inject", "--db", fixture.sim.db, "--text", "no sender"]);
    expect(bad).toMatchObject({ code: 1, stdout: "inject needs --from HANDLE\n" });
  });
});
