import { createManualClock, type ManualClock } from "@imgate/channel-core/testing";
import { describe, expect, it } from "vitest";
import { AgentError } from "../agents/agent-error.ts";
import type { AgentReply } from "../agents/agent-turn.ts";
import { GatewayErrorCode } from "../errors/gateway-error.ts";
import { type DriveTurnOptions, driveTurn } from "./turn-retry.ts";

const retryable = () =>
  new AgentError(GatewayErrorCode.AgentFailed, "HTTP 503", { backend: "openai", retryable: true });
const permanent = () => new AgentError(GatewayErrorCode.AgentFailed, "HTTP 400", { backend: "openai" });
const aborted = () => new AgentError(GatewayErrorCode.AgentAborted, "stopping", { backend: "openai" });

/** Options whose sleep advances the manual clock instead of waiting, recording every wait. */
function harness(
  clock: ManualClock,
  results: Array<AgentReply | Error>,
  extra: Partial<DriveTurnOptions> = {},
) {
  const waits: number[] = [];
  const scheduled: Array<{ attempts: number; nextAttemptAt: number }> = [];
  const stop = new AbortController();
  let calls = 0;
  const options: DriveTurnOptions = {
    call: async () => {
      calls += 1;
      const next = results.shift();
      if (next === undefined) throw new Error("no more results");
      if (next instanceof Error) throw next;
      return next;
    },
    arrivedAt: clock.now(),
    retryMs: 60_000,
    clock,
    stopSignal: stop.signal,
    random: () => 1,
    onRetryScheduled: ({ attempts, nextAttemptAt }) => scheduled.push({ attempts, nextAttemptAt }),
    sleep: async (ms, signal) => {
      if (signal.aborted) throw signal.reason;
      waits.push(ms);
      clock.advance(ms);
    },
    ...extra,
  };
  return { options, waits, scheduled, stop, calls: () => calls };
}

describe("driveTurn", () => {
  it("retries retryable failures with growing backoff until the answer", async () => {
    const clock = createManualClock(0);
    const h = harness(clock, [retryable(), retryable(), retryable(), { text: "hi" }]);
    const outcome = await driveTurn(h.options);
    expect(outcome).toEqual({ kind: "answered", reply: { text: "hi" }, attempts: 4 });
    expect(h.waits).toEqual([1_000, 2_000, 4_000]);
    expect(h.scheduled).toEqual([
      { attempts: 1, nextAttemptAt: 1_000 },
      { attempts: 2, nextAttemptAt: 3_000 },
      { attempts: 3, nextAttemptAt: 7_000 },
    ]);
  });

  it("gives a permanent failure up at once, without scheduling a retry", async () => {
    const clock = createManualClock(0);
    const h = harness(clock, [permanent()]);
    const outcome = await driveTurn(h.options);
    expect(outcome).toMatchObject({ kind: "given-up", reason: "non-retryable", attempts: 1 });
    expect(h.scheduled).toEqual([]);
  });

  it("ends at the retry window: the last attempt lands on its end, then the turn is given up", async () => {
    const clock = createManualClock(0);
    const failures = Array.from({ length: 20 }, retryable);
    const h = harness(clock, failures, { retryMs: 5_000 });
    const outcome = await driveTurn(h.options);
    expect(outcome).toMatchObject({ kind: "given-up", reason: "window", attempts: 4 });
    expect(h.waits).toEqual([1_000, 2_000, 2_000]);
    expect(clock.now()).toBe(5_000);
  });

  it("with retryMs 0, a retryable failure is given up after one attempt", async () => {
    const clock = createManualClock(0);
    const h = harness(clock, [retryable()], { retryMs: 0 });
    expect(await driveTurn(h.options)).toMatchObject({ kind: "given-up", reason: "window", attempts: 1 });
  });

  it("stops (turn kept) when the call is aborted or the gateway stops during a wait", async () => {
    const clock = createManualClock(0);
    const first = harness(clock, [aborted()]);
    expect(await driveTurn(first.options)).toEqual({ kind: "stopped", attempts: 0 });

    const second = harness(clock, [retryable(), { text: "never" }]);
    second.options.onRetryScheduled = () => second.stop.abort();
    expect(await driveTurn(second.options)).toEqual({ kind: "stopped", attempts: 1 });
    expect(second.calls()).toBe(1);
  });

  it("a resumed turn waits for its due time, continues the backoff, and is given up when its window closed", async () => {
    const clock = createManualClock(10_000);
    const resumed = harness(clock, [retryable(), { text: "late" }], {
      arrivedAt: 0,
      attempts: 2,
      notBefore: 12_000,
    });
    expect(await driveTurn(resumed.options)).toMatchObject({ kind: "answered", attempts: 4 });
    expect(resumed.waits).toEqual([2_000, 4_000]);

    clock.set(100_000);
    const expired = harness(clock, [{ text: "stale" }], { arrivedAt: 0, attempts: 3, lastError: "HTTP 503" });
    expect(await driveTurn(expired.options)).toEqual({
      kind: "given-up",
      reason: "window",
      error: "HTTP 503",
      attempts: 3,
    });
    expect(expired.calls()).toBe(0);
  });
});
