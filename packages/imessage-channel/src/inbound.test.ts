import { silentLogger } from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import { chatSchema, messageSchema } from "@imgate/imsg-rpc";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { repairAnchorlessMessage } from "./anchor-repair.ts";
import { describeAttachment } from "./attachments.ts";
import { createEchoFilter } from "./echo-filter.ts";
import { imessageChatRefsOf, imessageServiceOf } from "./envelope-service.ts";
import type { ImsgChat, ImsgMessage } from "./imsg-port.ts";
import { createInboundProcessor } from "./inbound-processor.ts";
import { messageToInbound } from "./to-envelope.ts";

const account = { accountId: "bot", region: "US", groups: {}, includeAttachments: true, mediaMaxMb: 1 };

/** Built through imsg-rpc's schema, as the client delivers it (defaults applied). */
function msg(over: Partial<z.input<typeof messageSchema>> = {}): ImsgMessage {
  return messageSchema.parse({
    id: 10,
    chat_id: 5,
    guid: "G-10",
    sender: "+15550001111",
    is_from_me: false,
    text: "hello",
    created_at: "2026-01-17T00:00:00.000Z",
    attachments: [],
    chat_identifier: "+15550001111",
    chat_guid: "iMessage;-;+15550001111",
    chat_name: "",
    participants: ["+15550001111"],
    is_group: false,
    destination_caller_id: "bot@example.com",
    ...over,
  });
}

describe("messageToInbound", () => {
  it("builds a DM envelope answered by chat_id", () => {
    const out = messageToInbound(msg({ sender: "(555) 000-1111" }), account);
    expect(out.kind).toBe("turn");
    if (out.kind !== "turn") return;
    expect(out.envelope).toMatchObject({
      channel: "imessage",
      accountId: "bot",
      chatType: "direct",
      chatKey: "5",
      sender: "+15550001111",
      senderRaw: "(555) 000-1111",
      text: "hello",
      messageId: "10",
      guid: "G-10",
      timestamp: Date.parse("2026-01-17T00:00:00.000Z"),
    });
    expect(out.replyTarget).toEqual({ kind: "chat_id", chatId: 5 });
  });

  it("records the conversation's service for allowlist checks (SMS vs iMessage)", () => {
    const sms = messageToInbound(msg({ chat_guid: "SMS;-;+15550001111" }), account);
    const imsg = messageToInbound(msg(), account);
    if (sms.kind !== "turn" || imsg.kind !== "turn") throw new Error("expected turns");
    expect(imessageServiceOf(sms.envelope)).toBe("sms");
    expect(imessageServiceOf(imsg.envelope)).toBe("imessage");
    // The slot is plain data: a copy (or a stored pending turn's envelope) keeps it.
    expect(imessageServiceOf(JSON.parse(JSON.stringify(sms.envelope)))).toBe("sms");
    expect(imessageChatRefsOf(imsg.envelope)).toMatchObject({ service: "imessage", chatId: 5 });
    // Another channel's envelope, or a malformed slot, fails closed.
    expect(imessageServiceOf({ ...imsg.envelope, channel: "other" })).toBe("unknown");
    expect(imessageServiceOf({ ...imsg.envelope, channelData: { service: "fax" } })).toBe("unknown");
  });

  it("drops empty senders, from-me rows and chatless rows", () => {
    expect(messageToInbound(msg({ sender: "  " }), account)).toMatchObject({ reason: "empty-sender" });
    expect(messageToInbound(msg({ is_from_me: true }), account)).toMatchObject({ reason: "from-me" });
    expect(messageToInbound(msg({ chat_id: 0 }), account)).toMatchObject({ reason: "unanchored" });
  });

  it("treats is_group and explicit groups entries as groups, not '*'", () => {
    expect(messageToInbound(msg({ is_group: true }), account)).toMatchObject({ groupReason: "is_group" });
    const star = { ...account, groups: { "*": { requireMention: true } } };
    expect(messageToInbound(msg(), star)).toMatchObject({ groupReason: "none" });
    const explicit = { ...account, groups: { "5": { requireMention: false } } };
    const out = messageToInbound(msg(), explicit);
    expect(out).toMatchObject({ groupReason: "groups-entry", envelope: { chatType: "group" } });
  });

  it("keeps reply context and passes text through unchanged (Q12)", () => {
    const out = messageToInbound(
      msg({ text: "a\\nb", reply_to_text: "earlier", reply_to_sender: "5550002222", reply_to_guid: "P" }),
      account,
    );
    expect(out).toMatchObject({
      envelope: { text: "a\\nb", replyTo: { id: "P", text: "earlier", sender: "+15550002222" } },
    });
  });

  it("turns tapbacks into reaction events", () => {
    const out = messageToInbound(
      msg({ is_reaction: true, reaction_type: "love", is_reaction_add: true, reacted_to_guid: "T" }),
      account,
    );
    expect(out).toMatchObject({
      kind: "reaction",
      event: { reaction: "love", added: true, targetGuid: "T" },
      envelope: { text: "", attachments: [], reaction: { kind: "love", added: true, target: { id: "T" } } },
    });
  });

  it("turns the legacy text form into a reaction event with the quote as its target text, never a turn", () => {
    const out = messageToInbound(msg({ text: "Removed a like from “see you at 6”" }), account);
    expect(out).toMatchObject({
      kind: "reaction",
      event: { reaction: "like", added: false, targetGuid: "", targetText: "see you at 6", legacy: true },
      envelope: {
        text: "",
        reaction: { kind: "like", added: false, target: { text: "see you at 6" }, legacy: true },
      },
    });
  });

  it("keeps only present attachments under the cap and never invents text", () => {
    const out = messageToInbound(
      msg({
        text: "",
        attachments: [
          { transfer_name: "a.jpg", mime_type: "image/jpeg", total_bytes: 2048, original_path: "/x/a.jpg" },
          {
            transfer_name: "b.jpg",
            mime_type: "image/jpeg",
            total_bytes: 10,
            original_path: "/x/b.jpg",
            missing: true,
          },
          {
            transfer_name: "c.mov",
            mime_type: "video/quicktime",
            total_bytes: 5_000_000,
            original_path: "/x/c.mov",
          },
          { transfer_name: "d", total_bytes: 1, original_path: "" },
        ],
      }),
      account,
    );
    if (out.kind !== "turn") throw new Error(`expected a turn, got ${out.kind}`);
    expect(out.envelope.text).toBe("");
    expect(out.envelope.attachments.map((a) => a.name)).toEqual(["a.jpg"]);
    expect(out.refusedAttachments.map((r) => r.reason)).toEqual(["missing", "too-large", "no-path"]);
    expect(describeAttachment(out.envelope.attachments[0]!)).toBe("image a.jpg (2.0 KB)");
    const off = messageToInbound(
      msg({ text: "", attachments: out.envelope.attachments.map(() => ({ original_path: "/x" })) }),
      {
        ...account,
        includeAttachments: false,
      },
    );
    expect(off).toMatchObject({ kind: "drop", reason: "empty" });
  });
});

describe("echo filter", () => {
  const make = () => {
    const clock = createManualClock();
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_f: object, m: string) => void warnings.push(m) };
    return { clock, warnings, echo: createEchoFilter({ clock, logger, loopThreshold: 3 }) };
  };

  it("drops a send's reflection by guid and by text from our own handle", () => {
    const { echo } = make();
    echo.recordSent({ chatId: 5, text: "reply", guid: "S1" });
    expect(echo.check(msg({ guid: "S1", sender: "someone@else" }))).toBe("echo");
    echo.recordSent({ chatId: 5, text: "second" });
    expect(echo.check(msg({ guid: "S2", text: "second", sender: "bot@example.com" }))).toBe("echo");
  });

  it("lets a person repeat the bot's words", () => {
    const { echo } = make();
    echo.recordSent({ chatId: 5, text: "hi there" });
    expect(echo.check(msg({ text: "hi there" }))).toBeUndefined();
  });

  it("drops unprimed rows from our own handle, but not the owner's self-chat copy", () => {
    const { echo } = make();
    expect(echo.check(msg({ sender: "bot@example.com", text: "from another process" }))).toBe(
      "self-reflection",
    );
    const selfChat = { chat_id: 9, chat_identifier: "bot@example.com", participants: [] };
    expect(
      echo.check(msg({ ...selfChat, is_from_me: true, sender: "bot@example.com", text: "note to self" })),
    ).toBe("from-me");
    expect(
      echo.check(msg({ ...selfChat, guid: "G-copy", sender: "bot@example.com", text: "note to self" })),
    ).toBe(undefined);
  });

  it("drops URL-preview duplicates", () => {
    const { echo } = make();
    expect(echo.check(msg({ guid: "U1", text: "see https://x.y" }))).toBeUndefined();
    expect(
      echo.check(
        msg({
          guid: "U2",
          text: "see https://x.y",
          balloon_bundle_id: "com.apple.messages.URLBalloonProvider",
        }),
      ),
    ).toBe("url-preview-duplicate");
  });

  it("silences a chat after repeated echo drops and warns once", () => {
    const { echo, warnings } = make();
    for (let i = 0; i < 3; i++)
      echo.check(msg({ guid: `R${i}`, sender: "bot@example.com", text: `loop ${i}` }));
    expect(echo.isSilenced(5)).toBe(true);
    expect(echo.check(msg({ guid: "N", text: "a real person" }))).toBe("loop-breaker");
    expect(warnings).toHaveLength(1);
  });
});

describe("chat_id 0 repair", () => {
  const chats: ImsgChat[] = [
    { id: 3, identifier: "+15550001111", is_group: false },
    { id: 7, identifier: "chat77", guid: "iMessage;+;chat77", is_group: true },
  ].map((chat) => chatSchema.parse(chat));
  const port = (rows: Record<number, ImsgMessage[]>) => ({
    listChats: async () => chats,
    history: async ({ chat_id }: { chat_id: number }) => rows[chat_id] ?? [],
  });

  it("re-reads the row by guid and keeps group rows in the group", async () => {
    const anchorless = msg({
      chat_id: 0,
      guid: "LATE",
      is_group: false,
      chat_identifier: "",
      participants: [],
    });
    const found = msg({
      chat_id: 7,
      guid: "LATE",
      is_group: true,
      chat_identifier: "chat77",
      participants: ["a", "b"],
    });
    const repaired = await repairAnchorlessMessage(anchorless, port({ 7: [found] }), { retryDelaysMs: [] });
    expect(repaired).toMatchObject({ chat_id: 7, is_group: true, chat_identifier: "chat77" });
  });

  it("drops it fail-closed when it cannot be found, never as a DM", async () => {
    const clock = createManualClock();
    const processor = createInboundProcessor({
      account,
      port: port({}),
      echo: createEchoFilter({ clock, logger: silentLogger }),
      logger: silentLogger,
      anchorRepair: { retryDelaysMs: [0, 0] },
    });
    expect(await processor.process(msg({ chat_id: 0 }))).toMatchObject({
      kind: "drop",
      reason: "unanchored",
    });
  });
});
