import { describe, expect, it } from "vitest";
import { asyncView } from "./async-view.ts";

describe("asyncView", () => {
  it("runs each call at once, in call order, and hands back its result or exception as a promise", async () => {
    const calls: string[] = [];
    const target = {
      limit: 3,
      add(item: string) {
        calls.push(item);
        return calls.length;
      },
      fail(): number {
        throw new Error("refused");
      },
      counters: () => ({ calls: calls.length }),
    };
    const view = asyncView(target, ["counters"]);
    const first = view.add("a");
    const second = view.add("b");
    // Both ran before anything was awaited: the order of the calls is the order of the writes.
    expect(calls).toEqual(["a", "b"]);
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    const failed = view.fail();
    expect(failed).toBeInstanceOf(Promise);
    await expect(failed).rejects.toThrow("refused");
    // Kept methods stay synchronous; plain properties read through to the target.
    expect(view.counters()).toEqual({ calls: 2 });
    target.limit = 4;
    expect(view.limit).toBe(4);
  });
});
