import type { Logger } from "@imgate/channel-core";
import { describe, expect, it } from "vitest";
import { createStaleMessageLog, staleReason } from "./stale-message.ts";

const MIN = 60_000;
const LIMITS = { liveMs: 15 * MIN, replayMs: 120 * MIN };
const NOW = Date.UTC(2026, 5, 1, 12);

describe("staleReason", () => {
  it("holds back a live row sent long before it arrived, and a replayed row older than the replay limit", () => {
    const live = { replay: false, receivedAt: NOW };
    expect(staleReason(NOW - 14 * MIN, live, LIMITS, NOW)).toBeUndefined();
    expect(staleReason(NOW - 16 * MIN, live, LIMITS, NOW)).toBe("stale-live");
    expect(staleReason(NOW - 24 * 60 * MIN, live, LIMITS, NOW)).toBe("stale-live");
    const replay = { replay: true, receivedAt: NOW };
    // An hour-old message replayed after downtime is answered; a live one that old synced in late.
    expect(staleReason(NOW - 60 * MIN, replay, LIMITS, NOW)).toBeUndefined();
    expect(staleReason(NOW - 180 * MIN, replay, LIMITS, NOW)).toBe("stale-replay");
  });

  it("measures a live row against its arrival, not against the time it is handled", () => {
    // Received fresh, handled 30 minutes later behind a slow queue: still live and answerable.
    expect(staleReason(NOW - 31 * MIN, { replay: false, receivedAt: NOW - 30 * MIN }, LIMITS, NOW)).toBe(
      undefined,
    );
  });

  it("treats 0 as off and an unparseable date as not stale", () => {
    const off = { liveMs: 0, replayMs: 0 };
    expect(staleReason(0, { replay: false, receivedAt: NOW }, off, NOW)).toBeUndefined();
    expect(staleReason(0, { replay: true, receivedAt: NOW }, off, NOW)).toBeUndefined();
    expect(staleReason(Number.NaN, { replay: true, receivedAt: NOW }, LIMITS, NOW)).toBeUndefined();
  });
});

describe("createStaleMessageLog", () => {
  it("logs each held-back message at info with a running count per reason", () => {
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger = {
      info: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }),
    } as unknown as Logger;
    const log = createStaleMessageLog(logger, () => NOW);
    expect(log.record("stale-live", { rowid: 5, sentAt: NOW - 60 * MIN, chatKey: "7" })).toBe(1);
    expect(log.record("stale-live", { rowid: 6, sentAt: NOW - 60 * MIN, chatKey: "7" })).toBe(2);
    expect(log.record("stale-replay", { rowid: 7, sentAt: NOW - 600 * MIN, chatKey: "7" })).toBe(1);
    expect(lines.map((line) => [line.fields.reason, line.fields.count, line.fields.ageMs])).toEqual([
      ["stale-live", 1, 60 * MIN],
      ["stale-live", 2, 60 * MIN],
      ["stale-replay", 1, 600 * MIN],
    ]);
    expect(lines[0]?.message).toContain("kept as history");
  });
});
