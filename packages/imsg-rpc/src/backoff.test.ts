import { describe, expect, it } from "vitest";
import { restartDelay as backoffDelay, resolveRestartOptions } from "./backoff.ts";

describe("backoffDelay", () => {
  it("never retries sooner than the initial delay, grows exponentially and caps", () => {
    const options = resolveRestartOptions();
    expect(backoffDelay(1, options, () => 0)).toBe(1000);
    expect(backoffDelay(1, options, () => 0.999)).toBeGreaterThan(1000);
    expect(backoffDelay(3, options, () => 0)).toBe(4000);
    expect(backoffDelay(20, options, () => 0)).toBe(30_000);
    expect(backoffDelay(20, options, () => 1)).toBe(36_000);
  });
});
