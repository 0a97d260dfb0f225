import { describe, expect, it } from "vitest";
import {
  formatElapsed,
  formatEnvelopeText,
  formatEnvelopeTimestamp,
  formatFromLabel,
  formatSenderLabel,
} from "./format-envelope.ts";

const at = Date.UTC(2026, 0, 17, 0, 0);
const utc = { timezone: "utc" };

describe("formatEnvelopeText (§9.2)", () => {
  it("formats a DM", () => {
    expect(
      formatEnvelopeText({
        channelLabel: "iMessage",
        fromLabel: "+15550001111",
        body: "hello",
        chatType: "direct",
        timestamp: at,
        options: utc,
      }),
    ).toBe("[iMessage +15550001111 2026-01-17T00:00Z] hello");
  });

  it("formats a group with elapsed time and sender prefix", () => {
    expect(
      formatEnvelopeText({
        channelLabel: "iMessage",
        fromLabel: formatFromLabel({ chatType: "group", groupName: "Test Group", groupId: "99" }),
        body: "@openclaw hi",
        chatType: "group",
        senderLabel: "+15550001111",
        timestamp: at,
        previousTimestamp: at - 2 * 60_000,
        options: utc,
      }),
    ).toBe("[iMessage Test Group id:99 +2m 2026-01-17T00:00Z] +15550001111: @openclaw hi");
  });

  it("omits timestamp and sender prefix in a DM without a time", () => {
    expect(
      formatEnvelopeText({
        channelLabel: "iMessage",
        fromLabel: "+1555",
        body: "hello",
        chatType: "direct",
        senderLabel: "Alice",
      }),
    ).toBe("[iMessage +1555] hello");
  });

  it("turns timestamp and elapsed off", () => {
    const text = formatEnvelopeText({
      channelLabel: "X",
      fromLabel: "a",
      body: "b",
      chatType: "direct",
      timestamp: at,
      previousTimestamp: at - 5000,
      options: { includeTimestamp: false, includeElapsed: false },
    });
    expect(text).toBe("[X a] b");
  });

  it("adds the reply block", () => {
    const text = formatEnvelopeText({
      channelLabel: "iMessage",
      fromLabel: "+1",
      body: "yes",
      chatType: "direct",
      replyTo: { sender: "+2", id: "55", text: "coffee?" },
    });
    expect(text).toBe("[iMessage +1] yes\n\n[Replying to +2 id:55]\ncoffee?\n[/Replying]");
    const anonymous = formatEnvelopeText({
      channelLabel: "iMessage",
      fromLabel: "+1",
      body: "yes",
      chatType: "direct",
      replyTo: { text: "q" },
    });
    expect(anonymous).toContain("[Replying to unknown sender]\nq\n[/Replying]");
  });

  it("passes a literal backslash-n through unchanged (Q12)", () => {
    const text = formatEnvelopeText({
      channelLabel: "iMessage",
      fromLabel: "+1",
      body: "a\\nb",
      chatType: "direct",
    });
    expect(text).toBe("[iMessage +1] a\\nb");
    expect(text).not.toContain("\n");
  });
});

describe("timestamps and labels", () => {
  it("formats IANA zones with their abbreviation and falls back to UTC for unknown names", () => {
    expect(formatEnvelopeTimestamp(at, { timezone: "America/New_York" })).toBe("2026-01-16 19:00 EST");
    expect(formatEnvelopeTimestamp(at, { timezone: "Not/AZone" })).toBe("2026-01-17T00:00Z");
    expect(formatEnvelopeTimestamp(at, { timezone: "user", userTimezone: "Asia/Tokyo" })).toBe(
      "2026-01-17 09:00 GMT+9",
    );
  });

  it("formats elapsed time in the largest whole unit", () => {
    expect([59_999, 60_000, 3_600_000, 86_400_000 * 3].map(formatElapsed)).toEqual(["59s", "1m", "1h", "3d"]);
    expect(formatElapsed(-1)).toBeUndefined();
  });

  it("builds sender and from labels", () => {
    expect(formatSenderLabel("+15550001111", "+15550001111")).toBe("+15550001111");
    expect(formatSenderLabel("user@x.com", "User@X.com")).toBe("user@x.com (User@X.com)");
    expect(formatFromLabel({ chatType: "group", groupId: "7" })).toBe("Group id:7");
    expect(formatFromLabel({ chatType: "direct", directLabel: "+1555", directId: "(555)" })).toBe(
      "+1555 id:(555)",
    );
  });
});
