import { describe, expect, it } from "vitest";
import { matchAllowlist, serviceOfChatGuid } from "./allowlist.ts";
import { normalizeHandle, normalizePhoneNumber } from "./handle.ts";
import { ImessageTargetError } from "./imessage-errors.ts";
import { formatTarget, looksLikeTarget, parseTarget } from "./target.ts";

describe("normalizeHandle (§6.2, decision Q3)", () => {
  it.each([
    ["5551234567", "US", "+15551234567"],
    ["(555) 123-4567", "US", "+15551234567"],
    ["+1 555 123 4567", "GB", "+15551234567"],
    ["07700 900123", "GB", "+447700900123"],
    ["imessage:+15550001111", "US", "+15550001111"],
    ["sms:auto:5550001111", "US", "+15550001111"],
    [" User@X.com ", "US", "user@x.com"],
    ["Bob", "US", "bob"],
    ["Chat_ID: 42", "US", "chat_id:42"],
    ["guid:iMessage;+;chat1", "US", "chat_guid:iMessage;+;chat1"],
    ["chatident:Chat123", "US", "chat_identifier:Chat123"],
  ])("%j with region %s → %j", (input, region, expected) => {
    expect(normalizeHandle(input, { region })).toBe(expected);
  });

  it("never collapses distinct non-phone handles", () => {
    expect(normalizeHandle("bob")).not.toBe(normalizeHandle("alice"));
  });

  it("keeps short codes as digits without inventing a country", () => {
    expect(normalizePhoneNumber("12345", "US")).toBe("12345");
  });
});

describe("parseTarget / formatTarget (§11.4)", () => {
  it.each([
    ["chat_id:42", { kind: "chat_id", chatId: 42 }],
    ["chatid:7", { kind: "chat_id", chatId: 7 }],
    ["chat:9", { kind: "chat_id", chatId: 9 }],
    ["imessage:chat_id:3", { kind: "chat_id", chatId: 3 }],
    ["chat_guid:iMessage;+;chat123", { kind: "chat_guid", chatGuid: "iMessage;+;chat123" }],
    ["chat_identifier:chat123", { kind: "chat_identifier", chatIdentifier: "chat123" }],
    ["sms:5551234567", { kind: "handle", handle: "+15551234567", service: "sms" }],
    ["imessage:Me@Example.com", { kind: "handle", handle: "me@example.com", service: "imessage" }],
    ["auto:+15551234567", { kind: "handle", handle: "+15551234567", service: "auto" }],
    ["+15551234567", { kind: "handle", handle: "+15551234567" }],
  ])("%j", (input, expected) => {
    expect(parseTarget(input)).toEqual(expected);
  });

  it.each(["chat_id:12abc", "chat_id:", "chat_id:0x1f", "chat_guid:", "chat_identifier:  ", "", "imessage:"])(
    "rejects %j",
    (input) => {
      expect(() => parseTarget(input)).toThrow(ImessageTargetError);
    },
  );

  it("round-trips through formatTarget", () => {
    for (const input of [
      "chat_id:42",
      "chat_guid:X;-;y",
      "chat_identifier:abc",
      "sms:+15551234567",
      "a@b.c",
    ]) {
      expect(formatTarget(parseTarget(input))).toBe(input);
    }
  });

  it("recognises target-looking strings", () => {
    expect(looksLikeTarget("chat_id:1")).toBe(true);
    expect(looksLikeTarget("a@b.c")).toBe(true);
    expect(looksLikeTarget("+1 555")).toBe(true);
    expect(looksLikeTarget("bob")).toBe(false);
  });
});

describe("matchAllowlist (§6.3)", () => {
  const subject = {
    sender: "+15551234567",
    chatId: 12,
    chatGuid: "iMessage;+;chat1",
    chatIdentifier: "chat1",
  };

  it("matches handles after normalisation with the region", () => {
    expect(matchAllowlist(["5551234567"], subject, { region: "US" })).toEqual({
      allowed: true,
      entry: "5551234567",
      by: "handle",
    });
    expect(matchAllowlist(["imessage:(555) 123-4567"], subject).allowed).toBe(true);
    expect(matchAllowlist(["5551234567"], subject, { region: "GB" }).allowed).toBe(false);
    expect(matchAllowlist(["USER@x.com"], { sender: "user@X.com" }).allowed).toBe(true);
  });

  it("matches chat entries, digits only for chat_id", () => {
    expect(matchAllowlist(["chat_id:12"], subject).by).toBe("chat");
    expect(matchAllowlist(["chat_id:12abc"], subject).allowed).toBe(false);
    expect(matchAllowlist(["chat_guid:iMessage;+;chat1"], subject).allowed).toBe(true);
    expect(matchAllowlist(["chat_identifier:CHAT1"], subject).allowed).toBe(false);
    expect(matchAllowlist(["chat_id:12"], subject, { chatEntries: false }).allowed).toBe(false);
  });

  it("restricts imessage:/sms: entries to that service; bare and auto: entries match either", () => {
    const sms = { sender: "+15551234567", service: serviceOfChatGuid("SMS;-;+15551234567") };
    const imsg = { sender: "+15551234567", service: serviceOfChatGuid("iMessage;-;+15551234567") };
    const tahoe = { sender: "+15551234567", service: serviceOfChatGuid("any;-;+15551234567") };
    expect([sms.service, imsg.service, tahoe.service]).toEqual(["sms", "imessage", "unknown"]);
    expect(matchAllowlist(["imessage:+15551234567"], sms).allowed).toBe(false);
    expect(matchAllowlist(["IMESSAGE:+1 (555) 123-4567"], sms).allowed).toBe(false);
    expect(matchAllowlist(["imessage:+15551234567"], imsg).allowed).toBe(true);
    expect(matchAllowlist(["imessage:+15551234567"], tahoe).allowed).toBe(false);
    expect(matchAllowlist(["sms:+15551234567"], sms).allowed).toBe(true);
    expect(matchAllowlist(["sms:+15551234567"], imsg).allowed).toBe(false);
    expect(matchAllowlist(["+15551234567"], sms).allowed).toBe(true);
    expect(matchAllowlist(["auto:+15551234567"], sms).allowed).toBe(true);
    expect(matchAllowlist(["imessage:+15551234567", "sms:+15551234567"], sms).entry).toBe("sms:+15551234567");
  });

  it("handles the wildcard and fails closed on an empty list", () => {
    expect(matchAllowlist(["*"], subject).by).toBe("wildcard");
    expect(matchAllowlist([], subject).allowed).toBe(false);
    expect(matchAllowlist(["bob"], { sender: "" }).allowed).toBe(false);
    expect(matchAllowlist([15551234567], subject).allowed).toBe(true);
  });
});
