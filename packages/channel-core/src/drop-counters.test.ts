import { describe, expect, it } from "vitest";
import { createDropCounters } from "./drop-counters.ts";

describe("createDropCounters", () => {
  it("counts per reason and sums the total", () => {
    const counters = createDropCounters();
    counters.increment("dm-disabled");
    counters.increment("dm-disabled");
    counters.increment("group-disabled", 3);
    expect(counters.snapshot()).toEqual({ "dm-disabled": 2, "group-disabled": 3 });
    expect(counters.total()).toBe(5);
  });

  it("returns a copy that later increments do not change", () => {
    const counters = createDropCounters();
    counters.increment("a");
    const before = counters.snapshot();
    counters.increment("a");
    expect(before).toEqual({ a: 1 });
    expect(counters.snapshot()).toEqual({ a: 2 });
  });
});
