import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordingContext, testEnvelope } from "../__fixtures__/recording-context.ts";
import { openTempStateStore, type TempStateStore } from "../__fixtures__/temp-state-store.ts";
import { createInboundDedupe } from "../inbound-dedupe.ts";
import { dedupeStep, finishOnce } from "./dedupe-step.ts";

let temp: TempStateStore;
beforeEach(() => {
  temp = openTempStateStore();
});
afterEach(() => temp.dispose());

describe("dedupeStep", () => {
  it("hands on a new message without marking it, and drops it once its outcome marked it", async () => {
    const dedupe = createInboundDedupe({ store: temp.store });
    const step = dedupeStep({ dedupe });
    const first = recordingContext(temp.store);
    let passed = 0;
    await step(first, async () => {
      passed += 1;
    });
    expect(passed).toBe(1);
    // Checking does not mark: the same message is still new until its outcome commits.
    expect(dedupe.has("bot", "G1")).toBe(false);
    finishOnce(first, dedupe, () => {});
    const replay = recordingContext(temp.store);
    await step(replay, async () => {
      passed += 1;
    });
    expect(passed).toBe(1);
    expect(replay.drops).toEqual(["duplicate"]);
  });

  it("drops what alsoHandled reports (a turn in flight) without a query, per account", async () => {
    const dedupe = createInboundDedupe({ store: temp.store });
    const inFlight = new Set(["G2"]);
    const step = dedupeStep({ dedupe, alsoHandled: (ctx) => inFlight.has(ctx.envelope.guid) });
    const busy = recordingContext(temp.store, testEnvelope({ guid: "G2" }));
    await step(busy, async () => {});
    expect(busy.drops).toEqual(["duplicate"]);
    dedupe.seen("bot", "G3");
    const other = recordingContext(temp.store, testEnvelope({ guid: "G3", accountId: "other" }));
    let passed = false;
    await step(other, async () => {
      passed = true;
    });
    expect(passed).toBe(true);
  });

  it("finishOnce persists an outcome only for the first copy", () => {
    const dedupe = createInboundDedupe({ store: temp.store });
    let persisted = 0;
    finishOnce(recordingContext(temp.store), dedupe, () => {
      persisted += 1;
    });
    finishOnce(recordingContext(temp.store), dedupe, () => {
      persisted += 1;
    });
    expect(persisted).toBe(1);
  });

  it("a rolled-back outcome leaves no mark, so the replay is handled", () => {
    const dedupe = createInboundDedupe({ store: temp.store });
    expect(() =>
      finishOnce(recordingContext(temp.store), dedupe, () => {
        throw new Error("disk full");
      }),
    ).toThrow("disk full");
    expect(dedupe.has("bot", "G1")).toBe(false);
  });
});
