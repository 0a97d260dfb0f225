import { afterEach, describe, expect, it } from "vitest";
import { type SimHarness, startSim, writeInbound } from "./__fixtures__/sim-harness.ts";
import { ImessageChatNotFoundError, ImessageTargetError } from "./imessage-errors.ts";
import { checkSendTarget, describeSendFailure, parseSendTarget } from "./send-target-check.ts";
import { parseTarget } from "./target.ts";

describe("parseTarget refuses what never names a recipient (issue 10 item 6)", () => {
  it.each([
    ["foo:bar", /Unknown prefix "foo:" in target "foo:bar"; use chat_id:N/],
    ["tel:+15551234567", /Unknown prefix "tel:"/],
    ["imessage:mailto:a", /Unknown prefix "mailto:"/],
    ["chat_id:abc", /Invalid chat_id "abc".*digits only/],
    // openclaw/openclaw#17362: a hex identifier behind chat_id: once routed to chat 2.
    ["chat_id:2ecba0e20f3a4299b0efb228a5990731", /digits only/],
  ])("%j", (input, message) => {
    expect(() => parseTarget(input)).toThrow(ImessageTargetError);
    expect(() => parseTarget(input)).toThrow(message);
  });

  it("keeps a contact name as typed and marks it; phones and emails stay handles", () => {
    expect(parseTarget("Not A Handle")).toEqual({
      kind: "handle",
      handle: "Not A Handle",
      contactName: true,
    });
    expect(parseTarget("sms:Bob")).toEqual({
      kind: "handle",
      handle: "Bob",
      service: "sms",
      contactName: true,
    });
    expect(parseTarget("(555) 123-4567")).toEqual({ kind: "handle", handle: "+15551234567" });
    expect(parseTarget("A@B.com")).toEqual({ kind: "handle", handle: "a@b.com" });
    expect(parseTarget("user:name@example.com")).toEqual({ kind: "handle", handle: "user:name@example.com" });
  });
});

describe("parseSendTarget: the grammar half, without imsg", () => {
  it("refuses a bare number under 7 digits unless the send is SMS (openclaw/openclaw#125461)", () => {
    const auto = { region: "US", service: "auto" } as const;
    expect(() => parseSendTarget("42", auto)).toThrow(/write chat_id:42/);
    expect(() => parseSendTarget("imessage:123456", auto)).toThrow(ImessageTargetError);
    expect(parseSendTarget("sms:42", auto)).toEqual({ kind: "handle", handle: "42", service: "sms" });
    expect(parseSendTarget("42", { region: "US", service: "sms" })).toEqual({ kind: "handle", handle: "42" });
    expect(parseSendTarget("5551234567", auto)).toEqual({ kind: "handle", handle: "+15551234567" });
    expect(parseSendTarget("chat_id:42", auto)).toEqual({ kind: "chat_id", chatId: 42 });
  });
});

let sim: SimHarness | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe.each(["0.9", "0.15"] as const)("checkSendTarget against imsg-sim %s", (compat) => {
  it("accepts known chats and new handles, refuses unknown chats and bare short numbers", async () => {
    sim = await startSim(compat);
    const dm = writeInbound(sim.dbPath, { from: "+15550001111", text: "hi" });
    const group = writeInbound(sim.dbPath, {
      from: "+15550002222",
      text: "yo",
      chat: "chat777",
      group: true,
    });
    const check = (input: string, service: "imessage" | "sms" | "auto" = "auto") =>
      checkSendTarget(input, { port: sim!.port, region: "US", service });

    expect(await check(`chat_id:${dm.chatId}`)).toMatchObject({ chatId: dm.chatId, verified: true });
    expect(await check("chat_identifier:chat777")).toMatchObject({ chatId: group.chatId });
    expect(await check("chat_guid:iMessage;+;chat777")).toMatchObject({ chatId: group.chatId });
    // New recipients: imsg creates their chat, so they must pass.
    expect(await check("+15550009999")).toMatchObject({ target: { handle: "+15550009999" }, verified: true });
    expect(await check("new@example.com")).toMatchObject({ verified: true });
    expect(await check("chat_guid:iMessage;-;+15550008888")).toMatchObject({ verified: true });
    expect(await check("chat_identifier:+15550008888")).toMatchObject({ verified: true });

    await expect(check("chat_id:999")).rejects.toThrow(ImessageChatNotFoundError);
    await expect(check("chat_id:999")).rejects.toThrow(/No chat chat_id:999 .*imgate chats/);
    await expect(check("chat_guid:iMessage;+;chat404")).rejects.toThrow(ImessageChatNotFoundError);
    await expect(check("chat_identifier:chat404")).rejects.toThrow(ImessageChatNotFoundError);
    // openclaw/openclaw#125461: a bare chat row id is no phone number; an SMS short code says so.
    await expect(check("5")).rejects.toThrow(/"5" is not a phone number: for chat 5 write chat_id:5/);
    expect(await check("sms:5")).toMatchObject({ verified: true });
    expect(await check("12345", "sms")).toMatchObject({ verified: true });
    await expect(check("foo:bar")).rejects.toThrow(ImessageTargetError);
  });

  it("a contact name passes the check; imsg's -32602 for it is explained, and no chat is created", async () => {
    sim = await startSim(compat);
    const input = "7d5297154d5f436d83dbbdf03fcc8fdd";
    const checked = await checkSendTarget(input, { port: sim.port, region: "US", service: "auto" });
    expect(checked.target).toMatchObject({ kind: "handle", contactName: true });
    const error = await sim.port.send({ to: input, text: "hi" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const failure = describeSendFailure(error, input, checked.target);
    expect(failure.code).toBe("contact_unresolved");
    expect(failure.message).toContain(`could not resolve the contact name "${input}"`);
    expect(failure.message).toContain("-32602");
    // openclaw/openclaw#89235: a pasted group identifier gets the prefix to use.
    expect(failure.message).toContain(`write chat_identifier:${input}`);
    expect(await sim.port.listChats({ limit: 10 })).toEqual([]);
  });

  it("an unknown chat_id that slipped through is explained as imsg's refusal", async () => {
    sim = await startSim(compat);
    const error = await sim.port.send({ chat_id: 4242, text: "hi" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(describeSendFailure(error, "chat_id:4242", parseTarget("chat_id:4242"))).toEqual({
      code: "send_rejected",
      message: "imsg refused the send to chat_id:4242 (-32602): unknown chat_id 4242.",
    });
  });
});
