import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CursorStore, createCursorStore, openStateStore, silentLogger } from "@imgate/channel-core";
import { planWatchStart } from "@imgate/imsg-rpc";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyWatchStart, type WatchStartDeps } from "./watch-start-cursor.ts";

let dir: string;
let cursors: CursorStore;
let deps: WatchStartDeps;
let close: () => void;
const warnings: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imgate-watch-start-"));
  const store = openStateStore({
    path: join(dir, "state.db"),
    logger: silentLogger,
    clock: { now: () => 0 },
  });
  close = () => store.close();
  cursors = createCursorStore(store);
  warnings.length = 0;
  deps = {
    cursors,
    accountId: "default",
    source: "local:imsg|",
    logger: { ...silentLogger, warn: (_fields: object, message: string) => void warnings.push(message) },
  };
});
afterEach(() => {
  close();
  rmSync(dir, { recursive: true, force: true });
});

describe("applyWatchStart", () => {
  it("records the tail on a quiet first start, so the next start replays what arrived in between", () => {
    const tracker = applyWatchStart(planWatchStart(undefined, 40), undefined, deps);
    expect(cursors.get("default", "local:imsg|")).toBe("40");
    expect(tracker.safe()).toBe(40);
  });

  it("never commits on a resume: a row acknowledged to the watch but abandoned at shutdown still replays", () => {
    cursors.commit("default", "local:imsg|", "40");
    const tracker = applyWatchStart(planWatchStart(40, 45), undefined, deps);
    tracker.start(41); // abandoned at shutdown: never finished
    tracker.start(42);
    expect(tracker.finish(42)).toBeUndefined();
    // imsg restarts: the watch resumes from its own cursor (42), past the unfinished row.
    const again = applyWatchStart(planWatchStart(42, 45), tracker, deps);
    expect(again).toBe(tracker);
    expect(cursors.get("default", "local:imsg|")).toBe("40");
    expect(tracker.safe()).toBe(40);
  });

  it("moves the cursor down to a replaced database's tail, warns, and counts new rows from there", () => {
    cursors.commit("default", "local:imsg|", "5000");
    const old = applyWatchStart(planWatchStart(5000, 5100), undefined, deps);
    old.start(5001);
    const tracker = applyWatchStart(planWatchStart(5001, 12), old, deps);
    expect(tracker).not.toBe(old);
    expect(cursors.get("default", "local:imsg|")).toBe("12");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("chat.db was replaced");
    tracker.start(13);
    expect(tracker.finish(13)).toBe(13);
    // A row of the old database finishing late does not move the new cursor.
    expect(tracker.finish(5001)).toBeUndefined();
  });
});
