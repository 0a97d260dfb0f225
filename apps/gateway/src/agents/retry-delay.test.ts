import { describe, expect, it } from "vitest";
import { backoffDelay } from "./retry-delay.ts";

describe("agent backoffDelay (imsg-rpc's one formula)", () => {
  it("waits between half and all of min(max, base · 2^attempt)", () => {
    expect(backoffDelay(0, 1000, 30_000, () => 0)).toBe(500);
    expect(backoffDelay(0, 1000, 30_000, () => 1)).toBe(1000);
    expect(backoffDelay(2, 1000, 30_000, () => 0.5)).toBe(3000);
    expect(backoffDelay(3, 1000, 30_000, () => 1)).toBe(8000);
  });

  it("caps at maxMs", () => {
    expect(backoffDelay(20, 1000, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(20, 1000, 30_000, () => 0)).toBe(15_000);
  });
});
