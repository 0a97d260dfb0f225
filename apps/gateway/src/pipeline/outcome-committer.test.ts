import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createCursorStore,
  createInboundDedupe,
  createSqliteBackend,
  type OutboxEntry,
  type OutcomeBatch,
  type OutcomeOp,
  type OutcomeWriter,
  openStateStore,
  type SqliteBackend,
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

/** A delivery worker that may ask for a claim in the commit, and records what it is handed. */
function testWorker() {
  const worker = {
    wantsClaim: false,
    kicks: 0,
    adopted: [] as Array<OutboxEntry | undefined>,
    async claimInBatch() {
      return worker.wantsClaim;
    },
    adoptClaim(entry: OutboxEntry | undefined) {
      worker.adopted.push(entry);
    },
    kick() {
      worker.kicks += 1;
    },
  };
  return worker;
}

/**
 * The SQLite backend, with faults to inject: outcomes of `failRows` get an op no store knows (they fail
 * alone, inside the commit); `rejectAll` makes whole commits reject; `rejectClaims` rejects batches that
 * claim; `gate` holds commits until released.
 */
function faultyBackend(backend: SqliteBackend) {
  const faults = {
    failRows: new Set<number>(),
    rejectAll: false,
    rejectClaims: false,
    batches: [] as OutcomeBatch[],
    inFlight: 0,
    maxInFlight: 0,
    gate: undefined as Promise<void> | undefined,
  };
  const commitOutcomes = async (batch: OutcomeBatch) => {
    faults.batches.push(batch);
    faults.inFlight += 1;
    faults.maxInFlight = Math.max(faults.maxInFlight, faults.inFlight);
    try {
      await faults.gate;
      if (faults.rejectAll || (faults.rejectClaims && batch.claimNext))
        throw new Error("database or disk is full");
      return await backend.commitOutcomes({
        ...batch,
        outcomes: batch.outcomes.map((outcome) =>
          outcome.rowid !== undefined && faults.failRows.has(outcome.rowid)
            ? { ...outcome, ops: [...outcome.ops, { op: "noSuchOp", args: [] } as unknown as OutcomeOp] }
            : outcome,
        ),
      });
    } finally {
      faults.inFlight -= 1;
    }
  };
  return { faults, backend: { cursors: backend.cursors, commitOutcomes } };
}

function setup() {
  const sqlite = createSqliteBackend(store);
  const { faults, backend } = faultyBackend(sqlite);
  const cursors = createCursorStore(store);
  const dedupe = createInboundDedupe({ store });
  const worker = testWorker();
  let scheduled: (() => void) | undefined;
  const committer = createOutcomeCommitter({
    backend,
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
  /** Ends the event-loop turn and waits for the commit it starts. */
  const endOfTurn = async () => {
    const run = scheduled;
    scheduled = undefined;
    run?.();
    await committer.committed();
  };
  const mark = (guid: string) => (writer: OutcomeWriter) =>
    writer.onlyIf({ kind: "firstSeen", accountId: "bot", guid });
  return { sqlite, faults, cursors, dedupe, worker, committer, endOfTurn, mark };
}

describe("outcome committer", () => {
  it("commits a turn's outcomes in one batch and moves the cursor past the finished rows only", async () => {
    const { cursors, dedupe, committer, endOfTurn, worker, faults, mark } = setup();
    committer.startRow(11);
    committer.startRow(12);
    committer.startRow(13);
    committer.finishRow(11, mark("G11"));
    committer.finishRow(13, mark("G13"));
    const done = committer.committed();
    expect(dedupe.has("bot", "G11")).toBe(false);
    await endOfTurn();
    await done;
    expect(faults.batches).toHaveLength(1);
    expect(faults.batches[0]?.cursor).toEqual({ source: "chat.db", position: "11", requires: [0] });
    expect(dedupe.has("bot", "G11")).toBe(true);
    expect(dedupe.has("bot", "G13")).toBe(true);
    // Row 12 is still being handled: the cursor stops below it.
    expect(cursors.get("bot", "chat.db")).toBe("11");
    expect(worker.kicks).toBe(1);
    committer.finishRow(12, mark("G12"));
    await endOfTurn();
    expect(cursors.get("bot", "chat.db")).toBe("13");
  });

  it("rolls back a failing outcome alone: its row stays unfinished, the cursor stays below it, it is replayed", async () => {
    const { cursors, dedupe, committer, endOfTurn, faults, mark } = setup();
    faults.failRows.add(11);
    committer.startRow(11);
    committer.startRow(12);
    committer.finishRow(11, mark("G11"));
    committer.finishRow(12, mark("G12"));
    await endOfTurn();
    expect(dedupe.has("bot", "G11")).toBe(false);
    expect(dedupe.has("bot", "G12")).toBe(true);
    expect(cursors.get("bot", "chat.db")).toBeUndefined();
    // Later rows commit, and the cursor never passes the failed one.
    committer.startRow(13);
    committer.finishRow(13, mark("G13"));
    await endOfTurn();
    expect(dedupe.has("bot", "G13")).toBe(true);
    expect(cursors.get("bot", "chat.db")).toBeUndefined();
  });

  it("an outcome whose persist throws is left out: its row stays unfinished", async () => {
    const { cursors, dedupe, committer, endOfTurn, mark } = setup();
    committer.startRow(11);
    committer.startRow(12);
    committer.finishRow(11, () => {
      throw new Error("cannot build the reply");
    });
    committer.finishRow(12, mark("G12"));
    await endOfTurn();
    expect(dedupe.has("bot", "G12")).toBe(true);
    expect(cursors.get("bot", "chat.db")).toBeUndefined();
  });

  it("a group commit that rejects holds the cursor, and its rows replay on the next start", async () => {
    const { cursors, dedupe, committer, endOfTurn, worker, faults, mark } = setup();
    committer.startRow(11);
    committer.finishRow(11, mark("G11"));
    await endOfTurn();
    expect(cursors.get("bot", "chat.db")).toBe("11");

    faults.rejectAll = true;
    committer.startRow(12);
    committer.finishRow(12, mark("G12"));
    await endOfTurn();
    expect(committer.cursorHeld).toBe(true);
    // Nothing of the failed group is stored, and delivery is still woken for what was committed before.
    expect(dedupe.has("bot", "G12")).toBe(false);
    expect(worker.kicks).toBe(2);

    // Later commits persist their outcomes but never move the cursor past the lost group.
    faults.rejectAll = false;
    committer.startRow(13);
    committer.finishRow(13, mark("G13"));
    await endOfTurn();
    expect(dedupe.has("bot", "G13")).toBe(true);
    expect(faults.batches.at(-1)?.cursor).toBeUndefined();
    expect(cursors.get("bot", "chat.db")).toBe("11");

    // A restart reads the held cursor: row 12 is watched again (13 too, and its dedupe mark drops it).
    store.close();
    store = open();
    expect(createCursorStore(store).get("bot", "chat.db")).toBe("11");
    const replay = createInboundDedupe({ store });
    expect(replay.has("bot", "G12")).toBe(false);
    expect(replay.has("bot", "G13")).toBe(true);
  });

  it("claims the next reply in the commit when the worker is idle, and hands it over; a claim that fails is dropped", async () => {
    const { sqlite, committer, endOfTurn, worker, faults, cursors } = setup();
    await sqlite.outbox.reconcile(() => "unknown", { accountId: "bot" });
    const reply = (key: string) => (writer: OutcomeWriter) =>
      writer.enqueue([
        {
          idempotencyKey: key,
          channel: "imessage",
          accountId: "bot",
          chatKey: "7",
          target: "chat_id:7",
          text: key,
        },
      ]);
    worker.wantsClaim = true;
    committer.startRow(11);
    committer.finishRow(11, reply("r1"));
    await endOfTurn();
    expect(faults.batches[0]?.claimNext).toEqual({ channel: "imessage" });
    expect(worker.adopted.map((entry) => entry?.text)).toEqual(["r1"]);
    expect(sqlite.stores.outbox.getByKey("r1")?.state).toBe("sending");
    // The claim makes the batch fail: the outcomes commit without it, and the worker is handed nothing.
    faults.rejectClaims = true;
    committer.startRow(12);
    committer.finishRow(12, reply("r2"));
    await endOfTurn();
    expect(worker.adopted).toHaveLength(2);
    expect(worker.adopted[1]).toBeUndefined();
    expect(sqlite.stores.outbox.getByKey("r2")?.state).toBe("queued");
    expect(cursors.get("bot", "chat.db")).toBe("12");
    expect(committer.cursorHeld).toBe(false);
  });

  it("commits one batch at a time; rows finished meanwhile and the watch's cursor write wait their turn", async () => {
    const { committer, endOfTurn, faults, cursors, mark } = setup();
    let release = () => {};
    faults.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    committer.startRow(11);
    committer.finishRow(11, mark("G11"));
    const first = endOfTurn();
    await expect.poll(() => faults.inFlight).toBe(1);
    committer.startRow(12);
    committer.finishRow(12, mark("G12"));
    const second = committer.commitNow();
    // The database was replaced meanwhile: the cursor goes to the new tail after the commits queued before.
    committer.watchStarted({
      reason: "database-replaced",
      since: 5,
      previousCursor: 12,
      tail: 5,
    } as Parameters<typeof committer.watchStarted>[0]);
    release();
    await Promise.all([first, second, committer.committed()]);
    expect(faults.maxInFlight).toBe(1);
    // Row 12 belonged to the replaced database: it moves nothing.
    expect(faults.batches.map((batch) => batch.cursor?.position)).toEqual(["11", undefined]);
    expect(cursors.get("bot", "chat.db")).toBe("5");
  });

  it("committed() resolves at once when nothing is queued", async () => {
    const { committer } = setup();
    await expect(committer.committed()).resolves.toBeUndefined();
  });
});
