/**
 * Issue 13 part B: the bot's own reactions and threaded replies coming back through the watch are echoes
 * (openclaw/openclaw#80713 and #135704 for the shapes): a reaction row it sent, reflected without
 * `is_from_me`, is not an inbound reaction; a threaded reply's echo and mirror are dropped; a person's
 * own reaction or inline reply in the same thread still gets through.
 */
import { silentLogger } from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import { messageSchema } from "@imgate/imsg-rpc";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { createEchoFilter } from "./echo-filter.ts";
import type { ImsgMessage } from "./imsg-port.ts";

/** A row in DM chat 5 from the other person, through imsg-rpc's schema (defaults applied). */
function row(over: Partial<z.input<typeof messageSchema>> = {}): ImsgMessage {
  return messageSchema.parse({
    id: 10,
    chat_id: 5,
    guid: "G-10",
    sender: "+15550001111",
    is_from_me: false,
    text: "hello",
    created_at: "2026-01-17T00:00:00.000Z",
    chat_identifier: "+15550001111",
    is_group: false,
    destination_caller_id: "bot@example.com",
    ...over,
  });
}

/** A structured reaction row (watch with `include_reactions`) on message `target`. */
const reaction = (target: string, type: string, over: Partial<z.input<typeof messageSchema>> = {}) =>
  row({
    guid: `R-${type}-${over.sender ?? "x"}`,
    text: `Loved “hello”`,
    is_reaction: true,
    reaction_type: type,
    is_reaction_add: true,
    reacted_to_guid: `p:0/${target}`,
    ...over,
  });

describe("echo filter: the bot's reactions and threaded replies", () => {
  const make = () => createEchoFilter({ clock: createManualClock(), logger: silentLogger });

  it("drops a reflection of a reaction the bot sent, from-me or not; a person's reaction gets through", () => {
    const echo = make();
    echo.recordReaction({ chatId: 5, targetGuid: "IN-1", reaction: "love" });
    expect(echo.check(reaction("IN-1", "love", { sender: "bot@example.com" }))).toBe("echo");
    expect(echo.check(reaction("IN-1", "love", { is_from_me: true }))).toBe("from-me");
    // Another kind on the same message, or the same kind on another message, is the person's own.
    expect(echo.check(reaction("IN-1", "laugh"))).toBeUndefined();
    expect(echo.check(reaction("IN-2", "love"))).toBeUndefined();
  });

  it("matches `emphasize` with imsg's `emphasis` reaction name", () => {
    const echo = make();
    echo.recordReaction({ chatId: 5, targetGuid: "IN-3", reaction: "emphasize" });
    expect(echo.check(reaction("IN-3", "emphasis"))).toBe("echo");
  });

  it("drops a threaded reply's mirror; a person's inline reply in the same thread is answered", () => {
    const echo = make();
    echo.recordSent({ chatId: 5, text: "threaded answer", guid: "SENT-9" });
    const mirror = row({
      guid: "MIRROR-9",
      text: "threaded answer",
      reply_to_guid: "SENT-9",
      thread_originator_guid: "IN-1",
    });
    expect(echo.check(mirror)).toBe("mirror");
    const person = row({
      guid: "G-11",
      text: "thanks!",
      thread_originator_guid: "IN-1",
      reply_to_guid: "SENT-9",
    });
    expect(echo.check(person)).toBeUndefined();
  });
});
