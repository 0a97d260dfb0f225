import { describe, expect, it } from "vitest";
import { createCursorTracker } from "./cursor-tracker.ts";

describe("cursor tracker", () => {
  it("moves only past rows whose every predecessor has finished", () => {
    const tracker = createCursorTracker(10);
    tracker.start(11);
    tracker.start(12);
    tracker.start(15);
    expect(tracker.peekFinish([12])).toBeUndefined();
    expect(tracker.peekFinish([11, 12])).toBe(14);
    expect(tracker.safe()).toBe(10);
    expect(tracker.finish(12)).toBeUndefined();
    expect(tracker.safe()).toBe(10);
    expect(tracker.finish(11)).toBe(14);
    expect(tracker.finish(15)).toBe(15);
    expect(tracker.inFlight()).toBe(0);
  });

  it("ignores rows at or below the persisted cursor (a replay) and unknown finishes", () => {
    const tracker = createCursorTracker(20);
    tracker.start(19);
    expect(tracker.inFlight()).toBe(0);
    expect(tracker.finish(19)).toBeUndefined();
    expect(tracker.safe()).toBe(20);
  });
});
