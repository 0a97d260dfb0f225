import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir } from "../__fixtures__/temp-dir.ts";
import { openTempStateStore, type TempStateStore } from "../__fixtures__/temp-state-store.ts";
import { createManualClock, type ManualClock } from "../manual-clock.ts";
import { StateErrorCode } from "../state-errors.ts";
import { openStateStore } from "../state-store.ts";
import { recordOutcome } from "./outcome-ops.ts";
import { createSqliteBackend, type SqliteBackendOptions } from "./sqlite-backend.ts";
import { describeStateBackendContract } from "./state-backend.contract.ts";

const openSqlite = (options: SqliteBackendOptions) => async (clock: ManualClock) => {
  const temp = openTempStateStore(clock);
  const backend = createSqliteBackend(temp.store, options);
  return {
    backend,
    close: async () => {
      await backend.close();
      temp.dispose();
    },
  };
};

describeStateBackendContract("sqlite", openSqlite({}));
// The gateway keeps recent history in memory: rolled-back appends and resets must still read right.
describeStateBackendContract("sqlite with a history cache", openSqlite({ historyCacheSessions: 4 }));

describe("sqlite backend", () => {
  let temp: TempStateStore | undefined;
  afterEach(() => {
    temp?.dispose();
    temp = undefined;
  });

  it("describes its file, and its async views call the same store instances as its sync ones", async () => {
    temp = openTempStateStore();
    const backend = createSqliteBackend(temp.store);
    expect(backend.kind).toBe("sqlite");
    expect(backend.describe).toBe(join(temp.dir, "state.db"));
    await backend.outbox.reconcile(() => "unknown", { accountId: "bot" });
    backend.stores.outbox.enqueue({
      idempotencyKey: "k1",
      channel: "imessage",
      accountId: "bot",
      chatKey: "7",
      target: "chat_id:7",
      text: "hi",
    });
    // Reconciled through the async view, claimed through the sync store: one outbox.
    expect(backend.stores.outbox.claimNext({ accountId: "bot" })?.text).toBe("hi");
    expect(backend.pendingTurns.givenUpKept).toBe(backend.stores.pendingTurns.givenUpKept);
  });

  it("turns a store's exception into a rejection, never a synchronous throw", async () => {
    temp = openTempStateStore();
    const backend = createSqliteBackend(temp.store);
    const claim = backend.outbox.claimNext();
    expect(claim).toBeInstanceOf(Promise);
    await expect(claim).rejects.toMatchObject({ code: StateErrorCode.outboxNotReconciled });
  });

  it("passes the pairing options through", async () => {
    temp = openTempStateStore();
    const backend = createSqliteBackend(temp.store, {
      pairing: { expiryMs: 5_000, maxPendingPerChannel: 1 },
    });
    expect(backend.pairing.expiryMs).toBe(5_000);
    expect((await backend.pairing.request({ channel: "imessage", sender: "+1" })).action).toBe("reply");
    expect(await backend.pairing.request({ channel: "imessage", sender: "+2" })).toEqual({
      action: "none",
      reason: "pending_cap",
    });
  });

  it("logs a failed outcome with its row, and keeps the rest of the batch", async () => {
    const { dir, cleanup } = makeTempDir();
    const lines: Array<{ fields: object; message: string }> = [];
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error: (fields: object, message: string) => lines.push({ fields, message }),
    };
    const store = openStateStore({ path: join(dir, "state.db"), clock: createManualClock(), logger });
    try {
      const backend = createSqliteBackend(store);
      const result = await backend.commitOutcomes({
        accountId: "bot",
        outcomes: [
          { rowid: 7, ops: [{ op: "explode", args: [] } as never] },
          { rowid: 8, ops: recordOutcome((w) => w.touchSession("s")) },
        ],
      });
      expect(result.failed).toEqual([0]);
      expect(await backend.sessions.getSession("s")).toBeDefined();
      expect(lines).toEqual([
        {
          fields: expect.objectContaining({ accountId: "bot", rowid: 7, index: 0 }),
          message: "could not persist an inbound outcome; it was rolled back alone",
        },
      ]);
    } finally {
      store.close();
      cleanup();
    }
  });

  it("closes the store on close()", async () => {
    temp = openTempStateStore();
    const backend = createSqliteBackend(temp.store);
    await backend.close();
    expect(temp.store.closed).toBe(true);
    await expect(backend.cursors.get("bot", "chat.db")).rejects.toMatchObject({
      code: StateErrorCode.closed,
    });
  });
});
