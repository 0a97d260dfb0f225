import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RecordingContext, recordingContext, testEnvelope } from "../__fixtures__/recording-context.ts";
import { openTempStateStore, type TempStateStore } from "../__fixtures__/temp-state-store.ts";
import { silentLogger } from "../logger.ts";
import { type SessionQueueLike, sessionQueueStep } from "./session-queue-step.ts";

let temp: TempStateStore;
beforeEach(() => {
  temp = openTempStateStore();
});
afterEach(() => temp.dispose());

/** Runs tasks only when told, so the test sees what is queued. */
function manualQueue(): SessionQueueLike<string> & { tasks: Array<[string, () => Promise<unknown>]> } {
  const tasks: Array<[string, () => Promise<unknown>]> = [];
  return {
    tasks,
    enqueue(sessionKey, task) {
      return new Promise((resolve, reject) => {
        tasks.push([sessionKey, () => task(`slot:${sessionKey}`).then(resolve, reject)]);
      });
    },
  };
}

describe("sessionQueueStep", () => {
  it("returns at once, runs the rest in the session's queue with its slot, and keeps the guid in flight", async () => {
    const queue = manualQueue();
    const inFlight = new Set<string>();
    const step = sessionQueueStep<string, RecordingContext>({ queue, inFlight, logger: silentLogger });
    const ctx = recordingContext(temp.store, testEnvelope({ guid: "G9" }));
    ctx.route = { agentId: "main", sessionKey: "s1" };
    let slotSeen: string | undefined;
    await step(ctx, async () => {
      slotSeen = ctx.slot;
    });
    expect(slotSeen).toBeUndefined();
    expect(inFlight.has("G9")).toBe(true);
    expect(queue.tasks.map(([key]) => key)).toEqual(["s1"]);
    await queue.tasks[0]?.[1]();
    expect(slotSeen).toBe("slot:s1");
    await expect.poll(() => inFlight.has("G9")).toBe(false);
  });

  it("a failing turn is logged and leaves the guid free", async () => {
    const queue = manualQueue();
    const inFlight = new Set<string>();
    const step = sessionQueueStep<string, RecordingContext>({ queue, inFlight, logger: silentLogger });
    const ctx = recordingContext(temp.store);
    ctx.route = { agentId: "main", sessionKey: "s1" };
    await step(ctx, async () => {
      throw new Error("agent down");
    });
    await queue.tasks[0]?.[1]().catch(() => {});
    await expect.poll(() => inFlight.size).toBe(0);
  });
});
