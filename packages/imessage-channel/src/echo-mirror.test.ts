import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncView, createEchoRows, openStateStore, silentLogger } from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import { messageSchema } from "@imgate/imsg-rpc";
import { afterEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import { stripAttributedResidue } from "./attributed-residue.ts";
import { createEchoFilter } from "./echo-filter.ts";
import type { ImsgMessage } from "./imsg-port.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A row from the other person in DM chat 5 (not from our own handle). */
/** Built through imsg-rpc's schema, as the client delivers it (defaults applied). */
function row(over: Partial<z.input<typeof messageSchema>> = {}): ImsgMessage {
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

describe("attributed-body residue", () => {
  it("strips a leading residue prefix and nothing else", () => {
    expect(stripAttributedResidue("\u0093b\u0002Confirmed — full access")).toBe("Confirmed — full access");
    expect(stripAttributedResidue("\uFFFCOn my way")).toBe("On my way");
    expect(stripAttributedResidue("\uFFFD\uFFFD\u0000tail")).toBe("tail");
    expect(stripAttributedResidue("\uFEFF\u0001ab\u0002\u0003Hi")).toBe("Hi");
    expect(stripAttributedResidue("plain b\u0002 text")).toBe("plain b\u0002 text");
    expect(stripAttributedResidue("ab\u0002")).toBe("ab\u0002");
  });
});

describe("echo filter: mirror rows (openclaw/openclaw#135704) and residue (#64309)", () => {
  const make = () => createEchoFilter({ clock: createManualClock(), logger: silentLogger, loopThreshold: 2 });

  it("drops a mirror of a send (new guid, reply_to_guid = the sent guid, same text) from the other person", () => {
    const echo = make();
    echo.recordSent({ chatId: 5, text: "On my way", guid: "SENT-1" });
    const mirror = row({ guid: "MIRROR-1", reply_to_guid: "SENT-1", text: "On my way" });
    expect(echo.check(mirror)).toBe("mirror");
    // Mirrors are identified, not loop symptoms: they never trip the loop breaker.
    expect(echo.check({ ...mirror, guid: "MIRROR-2" })).toBe("mirror");
    expect(echo.check({ ...mirror, guid: "MIRROR-3" })).toBe("mirror");
    expect(echo.isSilenced(5)).toBe(false);
  });

  it("binds the guid returned after the send (recordGuid) to the text sent", () => {
    const echo = make();
    echo.recordSent({ chatId: 5, text: "Done." });
    echo.recordGuid({ chatId: 5, text: "Done.", guid: "RETURNED" });
    expect(echo.check(row({ guid: "M", reply_to_guid: "RETURNED", text: "Done." }))).toBe("mirror");
  });

  it("lets a real inline reply through: different text, or a reply to someone else's message", () => {
    const echo = make();
    echo.recordSent({ chatId: 5, text: "On my way", guid: "SENT-1" });
    expect(echo.check(row({ guid: "R1", reply_to_guid: "SENT-1", text: "see you soon" }))).toBeUndefined();
    expect(echo.check(row({ guid: "R2", reply_to_guid: "THEIRS", text: "On my way" }))).toBeUndefined();
    expect(echo.check(row({ guid: "R3", chat_id: 6, reply_to_guid: "SENT-1", text: "On my way" }))).toBe(
      undefined,
    );
  });

  it("compares residue-prefixed text equal to the text sent (mirror and own-handle echo)", () => {
    const echo = make();
    echo.recordSent({ chatId: 5, text: "Confirmed — full access", guid: "SENT-2" });
    expect(
      echo.check(row({ guid: "M", reply_to_guid: "SENT-2", text: "\u0093b\u0002Confirmed — full access" })),
    ).toBe("mirror");
    echo.recordSent({ chatId: 5, text: "Second reply" });
    expect(echo.check(row({ guid: "E", sender: "bot@example.com", text: "\uFFFCSecond reply" }))).toBe(
      "echo",
    );
  });

  it("with a state store, recognises a mirror that arrives after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-echo-mirror-"));
    dirs.push(dir);
    const clock = createManualClock();
    const path = join(dir, "state.db");
    const before = openStateStore({ path, logger: silentLogger, clock });
    const rowsOf = (store: typeof before) => asyncView(createEchoRows(store));
    await createEchoFilter({
      clock,
      logger: silentLogger,
      rows: rowsOf(before),
      scope: "default",
    }).recordSent({
      chatId: 5,
      text: "On my way",
      guid: "SENT-1",
    });
    before.close();
    clock.advance(5 * 60_000); // the gateway was down for five minutes
    const after = openStateStore({ path, logger: silentLogger, clock });
    try {
      const echo = createEchoFilter({ clock, logger: silentLogger, rows: rowsOf(after), scope: "default" });
      await echo.loaded;
      expect(echo.check(row({ guid: "M", reply_to_guid: "SENT-1", text: "On my way" }))).toBe("mirror");
      expect(echo.check(row({ guid: "R", reply_to_guid: "SENT-1", text: "ok!" }))).toBeUndefined();
    } finally {
      after.close();
    }
  });
});
