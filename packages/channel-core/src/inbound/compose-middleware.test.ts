import { describe, expect, it } from "vitest";
import { composeMiddleware, type Middleware } from "./compose-middleware.ts";

describe("composeMiddleware", () => {
  it("runs steps in order, each around the rest, and the final next last", async () => {
    const seen: string[] = [];
    const step =
      (name: string): Middleware<string[]> =>
      async (ctx, next) => {
        ctx.push(`${name}>`);
        await next();
        ctx.push(`<${name}`);
      };
    await composeMiddleware([step("a"), step("b")])(seen, async () => {
      seen.push("end");
    });
    expect(seen).toEqual(["a>", "b>", "end", "<b", "<a"]);
  });

  it("stops where a step does not call next", async () => {
    const seen: string[] = [];
    const pipeline = composeMiddleware<string[]>([
      (ctx) => {
        ctx.push("handled");
      },
      (ctx) => {
        ctx.push("never");
      },
    ]);
    await pipeline(seen, async () => {});
    expect(seen).toEqual(["handled"]);
  });

  it("rejects a step that calls next twice", async () => {
    const pipeline = composeMiddleware<unknown>([
      async (_ctx, next) => {
        await next();
        await next();
      },
    ]);
    await expect(pipeline({}, async () => {})).rejects.toThrow(/next\(\) called twice/);
  });

  it("passes a step's error to the caller", async () => {
    const pipeline = composeMiddleware<unknown>([
      () => {
        throw new Error("boom");
      },
    ]);
    await expect(pipeline({}, async () => {})).rejects.toThrow("boom");
  });
});
