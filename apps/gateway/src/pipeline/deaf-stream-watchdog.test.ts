import { silentLogger } from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import type { ImsgWatch } from "@imgate/imsg-rpc";
import { describe, expect, it } from "vitest";
import { startDeafStreamWatchdog } from "./deaf-stream-watchdog.ts";

/** A watch whose received ROWID the test moves; counts resubscribes. */
function fakeWatch(received: number) {
  const state = { received, subscription: 1 as number | undefined, resubscribes: 0 };
  const watch: ImsgWatch = {
    get cursor() {
      return state.received;
    },
    get subscription() {
      return state.subscription;
    },
    get received() {
      return state.received;
    },
    resubscribe() {
      state.resubscribes += 1;
      return true;
    },
    close: async () => {},
  };
  return { watch, state };
}

describe("deaf-stream watchdog", () => {
  it("resubscribes once a row stayed undelivered for deafStreamMs, not before, and not for a row delivered meanwhile", async () => {
    const clock = createManualClock();
    const { watch, state } = fakeWatch(10);
    let tail = 10;
    const probes: { ok: boolean }[] = [];
    let deaf = 0;
    const dog = startDeafStreamWatchdog({
      watch: () => watch,
      probe: async (after) => (tail > after ? after + 1 : undefined),
      deafStreamMs: 60_000,
      intervalMs: 3_600_000,
      onDeaf: () => deaf++,
      onProbe: (result) => probes.push(result),
      logger: silentLogger,
      clock,
    });
    try {
      await dog.check();
      expect(deaf).toBe(0);
      // A row arrives and is delivered before the next probe: no alarm.
      tail = 11;
      await dog.check();
      state.received = 11;
      clock.advance(60_000);
      await dog.check();
      expect(deaf).toBe(0);
      // A row the stream never delivers: seen, then still there after deafStreamMs.
      tail = 12;
      await dog.check();
      clock.advance(59_999);
      await dog.check();
      expect(state.resubscribes).toBe(0);
      clock.advance(1);
      await dog.check();
      expect(state.resubscribes).toBe(1);
      expect(deaf).toBe(1);
      expect(probes.every((probe) => probe.ok)).toBe(true);
    } finally {
      dog.stop();
    }
  });

  it("reports failing probes (imsg not answering) and skips a watch that is not subscribed", async () => {
    const clock = createManualClock();
    const { watch, state } = fakeWatch(5);
    const probes: ({ ok: true } | { ok: false; error: string })[] = [];
    let calls = 0;
    const dog = startDeafStreamWatchdog({
      watch: () => watch,
      probe: async () => {
        calls++;
        throw new Error("timed out");
      },
      deafStreamMs: 1_000,
      intervalMs: 3_600_000,
      onDeaf: () => {},
      onProbe: (result) => probes.push(result),
      logger: silentLogger,
      clock,
    });
    try {
      await dog.check();
      expect(probes).toEqual([{ ok: false, error: "timed out" }]);
      state.subscription = undefined;
      await dog.check();
      expect(calls).toBe(1);
    } finally {
      dog.stop();
    }
  });
});
