import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTempStateStore, type TempStateStore } from "./__fixtures__/temp-state-store.ts";
import type { Envelope } from "./envelope.ts";
import type { ManualClock } from "./manual-clock.ts";
import { createPendingTurnStore, type PendingTurnDraft } from "./pending-turn-store.ts";
import type { StateStore } from "./state-store.ts";

let temp: TempStateStore;
let store: StateStore;
let clock: ManualClock;

beforeEach(() => {
  temp = openTempStateStore();
  ({ store, clock } = temp);
});
afterEach(() => temp.dispose());

const envelope = (guid: string, text = "hello"): Envelope => ({
  channel: "imessage",
  accountId: "bot",
  chatType: "direct",
  chatKey: "7",
  senderRaw: "+15550001111",
  sender: "+15550001111",
  text,
  attachments: [],
  timestamp: 1_000,
  messageId: "42",
  guid,
  participants: [],
});

const draft = (guid: string, extra: Partial<PendingTurnDraft> = {}): PendingTurnDraft => ({
  accountId: "bot",
  envelope: envelope(guid),
  sessionKey: "agent:main:main",
  agentId: "main",
  target: "chat_id:7",
  request: { text: "hello", history: [] },
  meta: { answeringAccountId: "bot" },
  arrivedAt: clock.now(),
  attempts: 1,
  nextAttemptAt: clock.now() + 1_000,
  lastError: "HTTP 503",
  ...extra,
});

describe("pending turn store", () => {
  it("keeps a recorded turn, with its request and envelope, across a reopen of the database", () => {
    const turns = createPendingTurnStore(store);
    expect(turns.record(draft("G1"))).toBe(true);
    expect(turns.record(draft("G1"))).toBe(false);
    const [turn, ...rest] = createPendingTurnStore(temp.reopen()).listPending("bot");
    expect(rest).toEqual([]);
    expect(turn).toMatchObject({
      guid: "G1",
      state: "pending",
      sessionKey: "agent:main:main",
      target: "chat_id:7",
      request: { text: "hello", history: [] },
      meta: { answeringAccountId: "bot" },
      attempts: 1,
      lastError: "HTTP 503",
    });
    expect(turn?.envelope).toEqual(envelope("G1"));
  });

  it("lists pending turns per account, oldest arrival first", () => {
    const turns = createPendingTurnStore(store);
    turns.record(draft("late", { arrivedAt: 2_000 }));
    turns.record(draft("early", { arrivedAt: 1_000 }));
    turns.record(draft("other", { accountId: "other" }));
    expect(turns.listPending("bot").map((turn) => turn.guid)).toEqual(["early", "late"]);
    expect(turns.listPending("other").map((turn) => turn.guid)).toEqual(["other"]);
  });

  it("records attempts and completes a turn exactly once", () => {
    const turns = createPendingTurnStore(store);
    turns.record(draft("G1"));
    turns.recordAttempt("bot", "G1", { attempts: 3, nextAttemptAt: 9_999, lastError: "timeout" });
    expect(turns.get("bot", "G1")).toMatchObject({ attempts: 3, nextAttemptAt: 9_999, lastError: "timeout" });
    expect(turns.complete("bot", "G1")).toBe(true);
    expect(turns.complete("bot", "G1")).toBe(false);
    expect(turns.has("bot", "G1")).toBe(false);
    expect(turns.complete("bot", "never-recorded")).toBe(false);
  });

  it("gives a turn up once, whether it was pending or never recorded, and keeps it for status", () => {
    const turns = createPendingTurnStore(store);
    turns.record(draft("G1"));
    clock.advance(5_000);
    expect(turns.giveUp(draft("G1", { attempts: 4 }), { reason: "window", error: "HTTP 503" })).toBe(true);
    expect(turns.giveUp(draft("G1"), { reason: "window" })).toBe(false);
    clock.advance(1_000);
    expect(turns.giveUp(draft("G2"), { reason: "non-retryable", error: "HTTP 400" })).toBe(true);
    expect(turns.listPending("bot")).toEqual([]);
    expect(turns.complete("bot", "G1")).toBe(false);
    expect(turns.has("bot", "G1")).toBe(true);
    const given = turns.listGivenUp("bot");
    expect(given.map((turn) => [turn.guid, turn.giveUpReason, turn.lastError])).toEqual([
      ["G2", "non-retryable", "HTTP 400"],
      ["G1", "window", "HTTP 503"],
    ]);
    expect(given[1]).toMatchObject({ attempts: 4, givenUpAt: clock.now() - 1_000, state: "given_up" });
  });

  it("keeps only the newest given-up turns per account and clips long errors", () => {
    const turns = createPendingTurnStore(store, { givenUpKept: 2 });
    for (const guid of ["a", "b", "c"]) {
      clock.advance(1_000);
      turns.giveUp(draft(guid), { reason: "window", error: "x".repeat(2_000) });
    }
    const given = turns.listGivenUp("bot");
    expect(given.map((turn) => turn.guid)).toEqual(["c", "b"]);
    expect(given[0]?.lastError?.length).toBeLessThan(600);
    expect(turns.has("bot", "a")).toBe(false);
  });

  it("with onlyIfPending, never gives up a turn that was already answered", () => {
    const turns = createPendingTurnStore(store);
    turns.record(draft("G1"));
    turns.record(draft("G2", { agentId: "other" }));
    turns.record(draft("G3", { accountId: "second" }));
    expect(turns.countPending()).toEqual(
      expect.arrayContaining([
        { accountId: "bot", agentId: "main", count: 1 },
        { accountId: "bot", agentId: "other", count: 1 },
        { accountId: "second", agentId: "main", count: 1 },
      ]),
    );
    expect(turns.complete("bot", "G1")).toBe(true);
    expect(turns.giveUp(draft("G1"), { reason: "window" }, { onlyIfPending: true })).toBe(false);
    expect(turns.has("bot", "G1")).toBe(false);
    expect(turns.giveUp(draft("G2"), { reason: "window" }, { onlyIfPending: true })).toBe(true);
    expect(turns.countPending()).toEqual([{ accountId: "second", agentId: "main", count: 1 }]);
  });

  it("skips a record whose JSON cannot be read instead of failing the whole list", () => {
    const turns = createPendingTurnStore(store);
    turns.record(draft("good"));
    turns.record(draft("bad"));
    store.transaction((db) =>
      db.prepare("UPDATE pending_turns SET envelope = '{not json' WHERE guid = 'bad'").run(),
    );
    expect(turns.listPending("bot").map((turn) => turn.guid)).toEqual(["good"]);
    expect(turns.get("bot", "bad")).toBeUndefined();
  });
});
