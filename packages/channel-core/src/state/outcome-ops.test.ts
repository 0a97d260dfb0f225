import { describe, expect, it } from "vitest";
import { createManualClock } from "../manual-clock.ts";
import { historyEntryOf, outboxDraftOf, turnDraftOf } from "./contract-fixtures.ts";
import { outcomeOpSchema, parseOutcomeBatch, recordOutcome } from "./outcome-ops.ts";

const clock = createManualClock();

describe("outcome ops", () => {
  it("records each writer call as { op, args }, in call order, and writes nothing", () => {
    const entry = historyEntryOf("m1", clock.now(), { senderLabel: "Ann", extra: { role: "user" } });
    const drafts = [outboxDraftOf("7", "G1", 0, { media: ["/tmp/a.jpg"], meta: { n: 1 } })];
    const turn = turnDraftOf("G1", clock.now());
    const ops = recordOutcome((w) => {
      w.onlyIf(
        { kind: "completePendingTurn", accountId: "bot", guid: "G1" },
        { kind: "firstSeen", accountId: "bot", guid: "G1" },
      );
      w.touchSession("s");
      w.appendHistory("s", entry, 20);
      w.enqueue(drafts);
      w.recordPendingTurn(turn);
      w.recordAttempt("bot", "G1", { attempts: 2, nextAttemptAt: 5, lastError: "HTTP 502" });
      w.onlyIf({ kind: "giveUp", draft: turn, outcome: { reason: "window" }, onlyIfPending: true });
      w.resetSession("s");
    });
    expect(ops).toEqual([
      {
        op: "onlyIf",
        args: [
          { kind: "completePendingTurn", accountId: "bot", guid: "G1" },
          { kind: "firstSeen", accountId: "bot", guid: "G1" },
        ],
      },
      { op: "touchSession", args: ["s"] },
      { op: "appendHistory", args: ["s", entry, 20] },
      { op: "enqueue", args: [drafts] },
      { op: "recordPendingTurn", args: [turn] },
      { op: "recordAttempt", args: ["bot", "G1", { attempts: 2, nextAttemptAt: 5, lastError: "HTTP 502" }] },
      {
        op: "onlyIf",
        args: [{ kind: "giveUp", draft: turn, outcome: { reason: "window" }, onlyIfPending: true }],
      },
      { op: "resetSession", args: ["s"] },
    ]);
    // Every recorded op is on the wire schema, and survives JSON unchanged.
    for (const op of ops) expect(outcomeOpSchema.parse(JSON.parse(JSON.stringify(op)))).toEqual(op);
  });

  it("accepts an optional field left undefined (the gateway passes lastError: job.lastError)", () => {
    const [op] = recordOutcome((w) =>
      w.recordAttempt("bot", "G1", { attempts: 1, nextAttemptAt: 5, lastError: undefined }),
    );
    expect(outcomeOpSchema.safeParse(op).success).toBe(true);
    expect(outcomeOpSchema.safeParse(JSON.parse(JSON.stringify(op))).success).toBe(true);
  });

  it("rejects what is not the wire shape, naming the path", () => {
    const bad = (value: unknown) => {
      const result = outcomeOpSchema.safeParse(value);
      expect(result.success).toBe(false);
      return result.error?.issues.map((issue) => issue.path.join(".")).join(" ");
    };
    bad({ op: "explode", args: [] });
    expect(bad({ op: "touchSession", args: [42] })).toBe("args.0");
    expect(bad({ op: "appendHistory", args: ["s", historyEntryOf("m", 1), Number.NaN] })).toBe("args.2");
    expect(bad({ op: "touchSession", args: ["s"], extra: true })).toBe("");
    expect(bad({ op: "onlyIf", args: [{ kind: "firstSeen", accountId: "bot" }] })).toBe("args.0.guid");
    expect(() =>
      parseOutcomeBatch({
        accountId: "bot",
        outcomes: [],
        cursor: { source: "db", position: "1", requires: [-1] },
      }),
    ).toThrow(/requires/);
    expect(
      parseOutcomeBatch({ accountId: "bot", outcomes: [{ ops: [] }], claimNext: { channel: "imessage" } }),
    ).toEqual({
      accountId: "bot",
      outcomes: [{ ops: [] }],
      claimNext: { channel: "imessage" },
    });
  });
});
