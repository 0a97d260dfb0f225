import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordingContext, testEnvelope } from "../__fixtures__/recording-context.ts";
import { openTempStateStore, type TempStateStore } from "../__fixtures__/temp-state-store.ts";
import { createAccessPolicy } from "../policy.ts";
import { policyStep } from "./policy-step.ts";

let temp: TempStateStore;
beforeEach(() => {
  temp = openTempStateStore();
});
afterEach(() => temp.dispose());

const policy = createAccessPolicy();
const step = policyStep({
  decide: (ctx) =>
    policy.evaluate({
      envelope: ctx.envelope,
      config: { dmPolicy: "allowlist", allowFrom: ["+15550001111"] },
    }),
});

describe("policyStep", () => {
  it("sets the decision and hands an allowed message on", async () => {
    const ctx = recordingContext(temp.store);
    let passed = false;
    await step(ctx, async () => {
      passed = true;
    });
    expect(passed).toBe(true);
    expect(ctx.decision?.kind).toBe("process");
  });

  it("drops a stranger under its reason and stops", async () => {
    const ctx = recordingContext(
      temp.store,
      testEnvelope({ sender: "+15559999999", senderRaw: "+15559999999" }),
    );
    let passed = false;
    await step(ctx, async () => {
      passed = true;
    });
    expect(passed).toBe(false);
    expect(ctx.drops).toEqual(["dm-not-allowed"]);
  });
});
