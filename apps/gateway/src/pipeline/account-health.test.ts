import { silentLogger } from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import { describe, expect, it } from "vitest";
import { createAccountHealth } from "./account-health.ts";

describe("account health", () => {
  it("is degraded after three failed sends in a row, with the fix, and healthy after one success", () => {
    const health = createAccountHealth({ logger: silentLogger, clock: createManualClock() });
    health.deliveryFailed("not signed in");
    health.deliveryFailed("not signed in");
    expect(health.degraded()).toBeUndefined();
    health.deliveryFailed("not signed in");
    expect(health.degraded()).toMatchObject({
      reason: "send-failures",
      detail: expect.stringContaining("3 sends in a row failed; last: not signed in"),
      fix: expect.stringContaining("imgate pause"),
    });
    health.deliverySucceeded();
    expect(health.degraded()).toBeUndefined();
  });

  it("is degraded when imsg stops answering probes", () => {
    const health = createAccountHealth({ logger: silentLogger, clock: createManualClock(), threshold: 2 });
    health.probeFailed("timeout");
    health.probeSucceeded();
    health.probeFailed("timeout");
    expect(health.degraded()).toBeUndefined();
    health.probeFailed("timeout");
    expect(health.degraded()?.reason).toBe("imsg-not-answering");
  });
});
