import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordingContext, testEnvelope } from "../__fixtures__/recording-context.ts";
import { openTempStateStore, type TempStateStore } from "../__fixtures__/temp-state-store.ts";
import { createHistoryStore } from "../history-store.ts";
import { createInboundDedupe } from "../inbound-dedupe.ts";
import { createOutbox, replyIdempotencyKey } from "../outbox.ts";
import { asyncView } from "../state/async-view.ts";
import { dedupeStep, finishOnce } from "./dedupe-step.ts";

let temp: TempStateStore;
beforeEach(() => {
  temp = openTempStateStore();
});
afterEach(() => temp.dispose());

describe("dedupeStep", () => {
  it("hands on a new message without marking it, and drops it once its outcome marked it", async () => {
    const dedupe = createInboundDedupe({ store: temp.store });
    const step = dedupeStep({ dedupe: asyncView(dedupe) });
    const first = recordingContext(temp.store);
    let passed = 0;
    await step(first, async () => {
      passed += 1;
    });
    expect(passed).toBe(1);
    // Checking does not mark: the same message is still new until its outcome commits.
    expect(dedupe.has("bot", "G1")).toBe(false);
    finishOnce(first, () => {});
    const replay = recordingContext(temp.store);
    await step(replay, async () => {
      passed += 1;
    });
    expect(passed).toBe(1);
    expect(replay.drops).toEqual(["duplicate"]);
  });

  it("drops a message in flight (memory) without a query, and one whose reply is queued or turn stored, per account", async () => {
    const dedupe = createInboundDedupe({ store: temp.store });
    const inFlight = new Set(["G2"]);
    const step = dedupeStep({
      dedupe: asyncView(dedupe),
      inFlight: (ctx) => inFlight.has(ctx.envelope.guid),
    });
    const busy = recordingContext(temp.store, testEnvelope({ guid: "G2" }));
    await step(busy, async () => {});
    expect(busy.drops).toEqual(["duplicate"]);
    // Answered by an earlier run whose mark is gone: its first reply is still in the outbox.
    const answered = testEnvelope({ guid: "G4" });
    createOutbox({ store: temp.store, requireReconcile: false }).enqueue({
      idempotencyKey: replyIdempotencyKey(answered, 0),
      channel: "imessage",
      accountId: "bot",
      chatKey: answered.chatKey,
      target: "chat_id:1",
      text: "the earlier answer",
    });
    const replayed = recordingContext(temp.store, answered);
    await step(replayed, async () => {});
    expect(replayed.drops).toEqual(["duplicate"]);
    dedupe.seen("bot", "G3");
    const other = recordingContext(temp.store, testEnvelope({ guid: "G3", accountId: "other" }));
    let passed = false;
    await step(other, async () => {
      passed = true;
    });
    expect(passed).toBe(true);
  });

  it("finishOnce persists an outcome only for the first copy", async () => {
    const history = createHistoryStore(temp.store);
    const entry = (text: string) => ({ sender: "x", text, messageId: text, timestamp: 1 });
    const first = recordingContext(temp.store);
    finishOnce(first, (writer) => writer.appendHistory("s", entry("first"), 10));
    const second = recordingContext(temp.store);
    finishOnce(second, (writer) => writer.appendHistory("s", entry("second"), 10));
    await Promise.all([first.lastCommit, second.lastCommit]);
    expect(history.load("s", 10).map((kept) => kept.text)).toEqual(["first"]);
  });

  it("a persist that throws records nothing and leaves no mark, so the replay is handled", () => {
    const dedupe = createInboundDedupe({ store: temp.store });
    expect(() =>
      finishOnce(recordingContext(temp.store), () => {
        throw new Error("disk full");
      }),
    ).toThrow("disk full");
    expect(dedupe.has("bot", "G1")).toBe(false);
  });
});
