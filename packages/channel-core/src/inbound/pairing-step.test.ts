import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordingContext } from "../__fixtures__/recording-context.ts";
import { openTempStateStore, type TempStateStore } from "../__fixtures__/temp-state-store.ts";
import { createInboundDedupe } from "../inbound-dedupe.ts";
import { silentLogger } from "../logger.ts";
import { createPairingService } from "../pairing-service.ts";
import { pairingStep } from "./pairing-step.ts";

let temp: TempStateStore;
beforeEach(() => {
  temp = openTempStateStore();
});
afterEach(() => temp.dispose());

describe("pairingStep", () => {
  const setup = () => {
    const pairing = createPairingService({ store: temp.store });
    const dedupe = createInboundDedupe({ store: temp.store });
    const step = pairingStep({
      pairing,
      dedupe,
      channel: "test",
      message: (code) => `code ${code}`,
      meta: (ctx) => ({ accountId: ctx.accountId }),
      logger: silentLogger,
    });
    return { pairing, step };
  };

  it("records the request and replies with the code once; never hands on", async () => {
    const { pairing, step } = setup();
    const ctx = recordingContext(temp.store);
    ctx.decision = { kind: "pairing" };
    let passed = false;
    await step(ctx, async () => {
      passed = true;
    });
    expect(passed).toBe(false);
    const [request] = pairing.list("test");
    expect(ctx.replies).toEqual([`code ${request?.code}`]);
    expect(request?.meta).toEqual({ accountId: "bot" });
    expect(ctx.counts).toEqual(["pairing"]);
    // The same message again (a replay that raced the dedupe step) changes nothing.
    const replay = recordingContext(temp.store);
    replay.decision = { kind: "pairing" };
    await step(replay, async () => {});
    expect(replay.replies).toEqual([]);
    expect(pairing.list("test")).toHaveLength(1);
  });

  it("hands on any other decision", async () => {
    const { step } = setup();
    const ctx = recordingContext(temp.store);
    ctx.decision = { kind: "history-only", reason: "no-mention" };
    let passed = false;
    await step(ctx, async () => {
      passed = true;
    });
    expect(passed).toBe(true);
  });
});
