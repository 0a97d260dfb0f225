import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTempStateStore, type TempStateStore } from "./__fixtures__/temp-state-store.ts";
import { createHistoryStore, type HistoryEntry } from "./history-store.ts";
import { createManualClock } from "./manual-clock.ts";
import { createSessionStore } from "./session-store.ts";
import type { StateStore } from "./state-store.ts";

let temp: TempStateStore;
let store: StateStore;
const clock = createManualClock();

beforeEach(() => {
  temp = openTempStateStore(clock);
  store = temp.store;
});
afterEach(() => temp.dispose());

const entry = (n: number, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
  sender: `+1555000${n}`,
  text: `message ${n}`,
  messageId: String(n),
  timestamp: 1_000 + n,
  ...extra,
});

describe.each([
  { name: "history store", options: {} },
  { name: "history store with a session cache", options: { cacheSessions: 2 } },
])("$name", ({ options }) => {
  it("appends and loads in order, keeping optional fields", () => {
    const history = createHistoryStore(store, options);
    history.load("agent:main:imessage:group:42", 50);
    history.append(
      "agent:main:imessage:group:42",
      entry(1, { senderLabel: "Ann", extra: { files: ["a.jpg"] } }),
      50,
    );
    history.append("agent:main:imessage:group:42", entry(2), 50);
    expect(history.load("agent:main:imessage:group:42", 50)).toEqual([
      entry(1, { senderLabel: "Ann", extra: { files: ["a.jpg"] } }),
      entry(2),
    ]);
    expect(history.load("agent:main:imessage:group:43", 50)).toEqual([]);
  });

  it("is bounded by the per-call limit, dropping the oldest", () => {
    const history = createHistoryStore(store, options);
    history.load("k", 50);
    for (let n = 1; n <= 7; n += 1) history.append("k", entry(n), 3);
    expect(history.load("k", 50).map((e) => e.messageId)).toEqual(["5", "6", "7"]);
    expect(history.load("k", 2).map((e) => e.messageId)).toEqual(["6", "7"]);
    const total = store.read((db) => db.prepare("SELECT count(*) AS n FROM history").get());
    expect(total).toEqual({ n: 3 });
  });

  it("limit 0 disables recording and reading", () => {
    const history = createHistoryStore(store, options);
    expect(history.append("k", entry(1), 0)).toBe(false);
    expect(history.load("k", 10)).toEqual([]);
    history.append("k", entry(2), 10);
    expect(history.load("k", 0)).toEqual([]);
  });

  it("stores a replayed message once, clears after dispatch, and survives a restart", () => {
    const history = createHistoryStore(store, options);
    expect(history.append("k", entry(1), 10)).toBe(true);
    expect(history.append("k", entry(1), 10)).toBe(false);
    history.append("k", entry(2), 10);
    history.append("other", entry(3), 10);
    store = temp.reopen();
    const reopened = createHistoryStore(store, options);
    expect(reopened.load("k", 10).map((e) => e.messageId)).toEqual(["1", "2"]);
    expect(reopened.clear("k")).toBe(2);
    expect(reopened.load("k", 10)).toEqual([]);
    expect(reopened.load("other", 10)).toHaveLength(1);
  });

  it("sees rolled-back appends, resets, other writers and entries evicted from the cache", () => {
    const history = createHistoryStore(store, options);
    const ids = () => history.load("k", 10).map((e) => e.messageId);
    history.append("k", entry(1), 10);
    expect(ids()).toEqual(["1"]);
    // A rolled-back append (its id is reused by the next insert).
    expect(() =>
      store.transaction(() => {
        history.append("k", entry(2), 10);
        throw new Error("outcome failed");
      }),
    ).toThrow("outcome failed");
    expect(ids()).toEqual(["1"]);
    expect(() =>
      store.transaction(() => {
        history.append("k", entry(2), 10);
        throw new Error("outcome failed");
      }),
    ).toThrow("outcome failed");
    history.append("k", entry(3), 10);
    expect(ids()).toEqual(["1", "3"]);
    // /reset deletes the rows behind the history store's back; so does another process.
    createSessionStore(store).resetSession("k");
    expect(ids()).toEqual([]);
    history.append("k", entry(4), 10);
    const other = createHistoryStore(store);
    other.append("k", entry(5), 10);
    expect(ids()).toEqual(["4", "5"]);
    // More sessions than the cache holds, and a larger limit than was cached.
    for (const key of ["a", "b", "c"]) history.append(key, entry(6), 10);
    for (const key of ["a", "b", "c", "k"]) history.load(key, 1);
    expect(history.load("k", 1).map((e) => e.messageId)).toEqual(["5"]);
    expect(ids()).toEqual(["4", "5"]);
    expect(history.load("a", 10).map((e) => e.messageId)).toEqual(["6"]);
  });

  it("hands out copies of the entries it was given", () => {
    const history = createHistoryStore(store, options);
    history.load("k", 10);
    const mutable = entry(1, { extra: { files: ["a.jpg"] } });
    history.append("k", mutable, 10);
    mutable.text = "changed";
    (mutable.extra as { files: string[] }).files.push("b.jpg");
    expect(history.load("k", 10)).toEqual([entry(1, { extra: { files: ["a.jpg"] } })]);
  });
});

describe("session store", () => {
  it("creates on first touch, updates updatedAt later, and resets to a new id and generation", () => {
    let n = 0;
    const sessions = createSessionStore(store, { generateId: () => `id-${++n}` });
    expect(sessions.getSession("k")).toBeUndefined();
    const start = clock.now();
    expect(sessions.touchSession("k")).toEqual({
      sessionKey: "k",
      sessionId: "id-1",
      generation: 0,
      createdAt: start,
      updatedAt: start,
    });
    clock.advance(5_000);
    expect(sessions.touchSession("k")).toMatchObject({
      sessionId: "id-1",
      generation: 0,
      createdAt: start,
      updatedAt: start + 5_000,
    });
    const history = createHistoryStore(store);
    history.append("k", entry(1), 10);
    clock.advance(1_000);
    expect(sessions.resetSession("k")).toMatchObject({
      sessionId: expect.stringMatching(/^id-/),
      generation: 1,
      updatedAt: start + 6_000,
    });
    expect(sessions.getSession("k")?.sessionId).not.toBe("id-1");
    expect(history.load("k", 10)).toEqual([]);
    expect(createSessionStore(store).resetSession("fresh")).toMatchObject({ generation: 0 });
  });
});
