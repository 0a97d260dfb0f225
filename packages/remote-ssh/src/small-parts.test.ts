import { backoffDelay } from "@imgate/imsg-rpc";
import { describe, expect, it } from "vitest";
import { createLimiter } from "./limiter.ts";
import { expandRemotePath, isInsideRoot, remotePathSchema } from "./remote-path.ts";
import { safeFileName, safeSegment } from "./safe-name.ts";
import { quoteShellArg, renderRemoteCommand } from "./shell-quote.ts";

describe("backoffDelay", () => {
  it("starts at ≥ 1 s by default, grows, caps, and jitter only adds", () => {
    expect(backoffDelay(1, {}, () => 0)).toBe(1000);
    expect(backoffDelay(2, {}, () => 0)).toBe(2000);
    expect(backoffDelay(30, {}, () => 0)).toBe(30_000);
    expect(backoffDelay(1, {}, () => 0.999)).toBeGreaterThanOrEqual(1000);
  });
});

describe("createLimiter", () => {
  it("never runs more than the limit at once and hands slots over in order", async () => {
    const limiter = createLimiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const gates = Array.from({ length: 5 }, () => Promise.withResolvers<void>());
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await g.promise;
        active--;
      }),
    );
    for (const g of gates) {
      await Promise.resolve();
      g.resolve();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(runs);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});

describe("remote paths", () => {
  it("validates, expands ~ and normalises .. before the root check", () => {
    expect(remotePathSchema.safeParse("relative").success).toBe(false);
    expect(remotePathSchema.safeParse("/a\0b").success).toBe(false);
    expect(expandRemotePath("~/Library/x/../y", "/Users/bot")).toBe("/Users/bot/Library/y");
    expect(isInsideRoot("/r/a/b", "/r/a")).toBe(true);
    expect(isInsideRoot("/r/ab", "/r/a")).toBe(false);
  });
});

describe("local names", () => {
  it("keeps names safe and short", () => {
    expect(safeFileName("../../etc/passwd")).toBe("passwd");
    expect(safeFileName("..")).toBe("attachment");
    expect(safeFileName("a\u0000b\nc:d.jpg")).toBe("abc_d.jpg");
    expect(Buffer.byteLength(safeFileName(`${"é".repeat(300)}.heic`))).toBeLessThanOrEqual(200);
    expect(safeFileName(`${"é".repeat(300)}.heic`).endsWith(".heic")).toBe(true);
    expect(safeSegment("..")).toBe("_..");
    expect(safeSegment("a/b")).toBe("a_b");
  });
});

describe("shell quoting", () => {
  it("single-quotes and refuses NUL", () => {
    expect(quoteShellArg("it's")).toBe(`'it'\\''s'`);
    expect(() => quoteShellArg("a\0")).toThrow(/NUL/);
    expect(renderRemoteCommand(["x"], { A: "1" })).toBe("env 'A=1' 'x'");
  });
});
