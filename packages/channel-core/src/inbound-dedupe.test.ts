import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTempStateStore, type TempStateStore } from "./__fixtures__/temp-state-store.ts";
import { createCursorStore } from "./cursor-store.ts";
import { createHistoryStore } from "./history-store.ts";
import { createInboundDedupe } from "./inbound-dedupe.ts";
import type { ManualClock } from "./manual-clock.ts";
import type { StateStore } from "./state-store.ts";

const DAY = 86_400_000;
let temp: TempStateStore;
let store: StateStore;
let clock: ManualClock;

beforeEach(() => {
  temp = openTempStateStore();
  ({ store, clock } = temp);
});
afterEach(() => temp.dispose());

describe("inbound dedupe", () => {
  it("reports a guid as seen only the second time, per account", () => {
    const dedupe = createInboundDedupe({ store });
    expect(dedupe.seen("bot", "G1")).toBe(false);
    expect(dedupe.seen("bot", "G1")).toBe(true);
    expect(dedupe.seen("other", "G1")).toBe(false);
    expect(dedupe.counters()).toEqual({ duplicate: 1 });
  });

  it("has() reports a live mark without setting one", () => {
    const dedupe = createInboundDedupe({ store, ttlMs: DAY });
    expect(dedupe.has("bot", "G1")).toBe(false);
    expect(dedupe.seen("bot", "G1")).toBe(false);
    expect(dedupe.has("bot", "G1")).toBe(true);
    expect(dedupe.has("other", "G1")).toBe(false);
    clock.advance(DAY);
    expect(dedupe.has("bot", "G1")).toBe(false);
  });

  it("forgets after the TTL (default 7 days) and purges expired marks", () => {
    const dedupe = createInboundDedupe({ store });
    dedupe.seen("bot", "old");
    clock.advance(DAY);
    dedupe.seen("bot", "new");
    clock.advance(6 * DAY - 1);
    expect(dedupe.seen("bot", "old")).toBe(true);
    clock.advance(1);
    expect(dedupe.purgeExpired()).toBe(1);
    expect(dedupe.seen("bot", "old")).toBe(false);
    clock.advance(DAY);
    expect(dedupe.purgeExpired()).toBe(1);
    expect(dedupe.seen("bot", "new")).toBe(false);
    expect(dedupe.seen("bot", "old")).toBe(true);
  });

  it("treats an expired mark as new even before it is purged", () => {
    const dedupe = createInboundDedupe({ store, ttlMs: 1000 });
    dedupe.seen("bot", "G");
    clock.advance(1000);
    expect(dedupe.seen("bot", "G")).toBe(false);
    expect(dedupe.seen("bot", "G")).toBe(true);
  });

  it("persists across a restart", () => {
    createInboundDedupe({ store }).seen("bot", "G1");
    store = temp.reopen();
    expect(createInboundDedupe({ store }).seen("bot", "G1")).toBe(true);
  });

  it("a mark made inside a rolled-back outcome transaction is forgotten (replay is not lost)", () => {
    const dedupe = createInboundDedupe({ store });
    const cursors = createCursorStore(store);
    expect(() =>
      cursors.commitWith("bot", "chat.db", "10", () => {
        dedupe.seen("bot", "G1");
        throw new Error("crash before the outcome was persisted");
      }),
    ).toThrow("crash");
    expect(cursors.get("bot", "chat.db")).toBeUndefined();
    expect(dedupe.seen("bot", "G1")).toBe(false);
  });
});

describe("cursor store", () => {
  it("commits per (account, source) and survives a restart", () => {
    const cursors = createCursorStore(store);
    expect(cursors.get("bot", "chat.db")).toBeUndefined();
    cursors.commit("bot", "chat.db", "41");
    cursors.commit("bot", "chat.db", "42");
    cursors.commit("alt", "chat.db", "7");
    store = temp.reopen();
    const reopened = createCursorStore(store);
    expect(reopened.get("bot", "chat.db")).toBe("42");
    expect(reopened.get("alt", "chat.db")).toBe("7");
  });

  it("commitWith persists the outcome and the cursor together, or neither", () => {
    const cursors = createCursorStore(store);
    const history = createHistoryStore(store);
    const entry = { sender: "a", text: "hi", messageId: "1", timestamp: 1 };
    expect(cursors.commitWith("bot", "chat.db", "1", () => history.append("k", entry, 10))).toBe(true);
    expect(() =>
      cursors.commitWith("bot", "chat.db", "2", () => {
        history.append("k", { ...entry, messageId: "2" }, 10);
        throw new Error("agent queue full");
      }),
    ).toThrow("agent queue full");
    expect(cursors.get("bot", "chat.db")).toBe("1");
    expect(history.load("k", 10).map((e) => e.messageId)).toEqual(["1"]);
  });
});
