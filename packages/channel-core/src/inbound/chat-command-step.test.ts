import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordingContext } from "../__fixtures__/recording-context.ts";
import { openTempStateStore, type TempStateStore } from "../__fixtures__/temp-state-store.ts";
import { silentLogger } from "../logger.ts";
import type { ProcessDecision } from "../policy-types.ts";
import { createSessionStore } from "../session-store.ts";
import { type ChatCommandStepResult, chatCommandStep } from "./chat-command-step.ts";

let temp: TempStateStore;
beforeEach(() => {
  temp = openTempStateStore();
  createSessionStore(temp.store).touchSession("s");
});
afterEach(() => temp.dispose());

const decision = (overrides: Partial<ProcessDecision>): ProcessDecision => ({
  kind: "process",
  chatType: "direct",
  wasMentioned: true,
  commandAuthorized: true,
  configAuthorized: false,
  isControlCommand: true,
  mentionBypassed: false,
  ...overrides,
});

const run = async (result: ChatCommandStepResult | undefined, overrides: Partial<ProcessDecision> = {}) => {
  let applied = 0;
  const step = chatCommandStep({
    handle: async () => {
      if (result?.kind !== "reply") return result;
      return {
        ...result,
        apply: (writer) => {
          applied += 1;
          writer.resetSession("s");
        },
      };
    },
    split: (_ctx, text) => text.split("|"),
    logger: silentLogger,
  });
  const ctx = recordingContext(temp.store);
  ctx.decision = decision(overrides);
  ctx.route = { agentId: "main", sessionKey: "s" };
  let passed = false;
  await step(ctx, async () => {
    passed = true;
  });
  return { ctx, passed, applied };
};

describe("chatCommandStep", () => {
  it("answers an authorised command in chunks with its state change, never the agent", async () => {
    const { ctx, passed, applied } = await run({ kind: "reply", command: "status", text: "a|b" });
    expect(passed).toBe(false);
    expect(ctx.replies).toEqual(["a", "b"]);
    expect(applied).toBe(1);
    // The state change committed with the answer.
    expect(createSessionStore(temp.store).getSession("s")?.generation).toBe(1);
  });

  it("a replayed command that raced its first copy changes nothing more", async () => {
    await run({ kind: "reply", command: "reset", text: "done" });
    const replay = await run({ kind: "reply", command: "reset", text: "done" });
    expect(replay.ctx.replies).toEqual([]);
    expect(createSessionStore(temp.store).getSession("s")?.generation).toBe(1);
  });

  it("drops an unauthorised command without asking the handler", async () => {
    const { ctx, passed } = await run(
      { kind: "reply", command: "status", text: "x" },
      { commandAuthorized: false },
    );
    expect(passed).toBe(false);
    expect(ctx.replies).toEqual([]);
    expect(ctx.drops).toEqual(["control-command-unauthorized"]);
  });

  it("drops what the handler ignores, and hands on text that is no command after all", async () => {
    const ignored = await run({ kind: "ignored", reason: "unauthorized" });
    expect(ignored.ctx.drops).toEqual(["control-command-unauthorized"]);
    const plain = await run(undefined);
    expect(plain.passed).toBe(true);
  });

  it("hands ordinary messages on", async () => {
    const { passed } = await run(
      { kind: "reply", command: "status", text: "x" },
      { isControlCommand: false },
    );
    expect(passed).toBe(true);
  });
});
