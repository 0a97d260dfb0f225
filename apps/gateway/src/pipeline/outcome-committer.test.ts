import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createCursorStore,
  createInboundDedupe,
  type OutboxEntry,
  openStateStore,
  type StateStore,
  silentLogger,
} from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOutcomeCommitter } from "./outcome-committer.ts";

let dir: string;
let store: StateStore;
const open = () =>
  openStateStore({ path: join(dir, "state.db"), logger: silentLogger, clock: createManualClock() });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imgate-outcome-committer-"));
  store = open();
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A delivery worker whose in-commit claim can be made to fail (the commit's last statement). */
function testWorker() {
  const worker = {
    failClaim: false,
    kicks: 0,
    forgotten: [] as OutboxEntry[],
    claimWithin(): OutboxEntry | undefined {
      if (worker.failClaim) throw new Error("database or disk is full");
      return undefined;
    },
    forgetClaim(entry: OutboxEntry) {
      worker.forgotten.push(entry);
    },
    kick() {
      worker.kicks += 1;
    },
  };
  return worker;
}

function setup() {
  const cursors = createCursorStore(store);
  const dedupe = createInboundDedupe({ store });
  const worker = testWorker();
  let scheduled: (() => void) | undefined;
  const committer = createOutcomeCommitter({
    store,
    cursors,
    accountId: "bot",
    source: "chat.db",
    worker,
    logger: silentLogger,
    // The test decides when the end of the event-loop turn is.
    defer: (run) => {
      scheduled = run;
      return { cancel: () => (scheduled = undefined) };
    },
  });
  committer.watchStarted({ reason: "resume", since: 10 } as Parameters<typeof committer.watchStarted>[0]);
  const endOfTurn = () => scheduled?.();
  return { cursors, dedupe, worker, committer, endOfTurn };
}

describe("outcome committer", () => {
  it("commits a turn's outcomes together and moves the cursor past the finished rows only", async () => {
    const { cursors, dedupe, committer, endOfTurn, worker } = setup();
    committer.startRow(11);
    committer.startRow(12);
    committer.startRow(13);
    committer.finishRow(11, () => dedupe.seen("bot", "G11"));
    committer.finishRow(13, () => dedupe.seen("bot", "G13"));
    const done = committer.committed();
    expect(dedupe.has("bot", "G11")).toBe(false);
    endOfTurn();
    await done;
    expect(dedupe.has("bot", "G11")).toBe(true);
    expect(dedupe.has("bot", "G13")).toBe(true);
    // Row 12 is still being handled: the cursor stops below it.
    expect(cursors.get("bot", "chat.db")).toBe("11");
    expect(worker.kicks).toBe(1);
  });

  it("rolls back a failing outcome alone: its row stays unfinished and is replayed", () => {
    const { cursors, dedupe, committer, endOfTurn } = setup();
    committer.startRow(11);
    committer.startRow(12);
    committer.finishRow(11, () => {
      dedupe.seen("bot", "G11");
      throw new Error("constraint failed");
    });
    committer.finishRow(12, () => dedupe.seen("bot", "G12"));
    endOfTurn();
    expect(dedupe.has("bot", "G11")).toBe(false);
    expect(dedupe.has("bot", "G12")).toBe(true);
    expect(cursors.get("bot", "chat.db")).toBeUndefined();
  });

  it("a group commit that throws holds the cursor, and its rows replay on the next start", () => {
    const { cursors, dedupe, committer, endOfTurn, worker } = setup();
    committer.startRow(11);
    committer.finishRow(11, () => dedupe.seen("bot", "G11"));
    endOfTurn();
    expect(cursors.get("bot", "chat.db")).toBe("11");

    worker.failClaim = true;
    committer.startRow(12);
    committer.finishRow(12, () => dedupe.seen("bot", "G12"));
    endOfTurn();
    expect(committer.cursorHeld).toBe(true);
    // Nothing of the failed group is stored, and delivery is still woken for what was committed before.
    expect(dedupe.has("bot", "G12")).toBe(false);
    expect(worker.kicks).toBe(2);

    // Later commits persist their outcomes but never move the cursor past the lost group.
    worker.failClaim = false;
    committer.startRow(13);
    committer.finishRow(13, () => dedupe.seen("bot", "G13"));
    endOfTurn();
    expect(dedupe.has("bot", "G13")).toBe(true);
    expect(cursors.get("bot", "chat.db")).toBe("11");

    // A restart reads the held cursor: row 12 is watched again (13 too, and its dedupe mark drops it).
    store.close();
    store = open();
    expect(createCursorStore(store).get("bot", "chat.db")).toBe("11");
    const replay = createInboundDedupe({ store });
    expect(replay.has("bot", "G12")).toBe(false);
    expect(replay.has("bot", "G13")).toBe(true);
  });

  it("committed() resolves at once when nothing is queued", async () => {
    const { committer } = setup();
    await expect(committer.committed()).resolves.toBeUndefined();
  });
});
