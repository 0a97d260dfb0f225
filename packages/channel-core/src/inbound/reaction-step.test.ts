import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordingContext, testEnvelope } from "../__fixtures__/recording-context.ts";
import { openTempStateStore, type TempStateStore } from "../__fixtures__/temp-state-store.ts";
import { describeReaction } from "../describe-reaction.ts";
import type { EnvelopeReaction } from "../envelope.ts";
import type { PolicyDecision } from "../policy-types.ts";
import { historyEntryOf } from "./history-entry-of.ts";
import { type ReactionNotifications, reactionStep } from "./reaction-step.ts";

let temp: TempStateStore;
beforeEach(() => {
  temp = openTempStateStore();
});
afterEach(() => temp.dispose());

const PROCESS: PolicyDecision = {
  kind: "process",
  chatType: "direct",
  wasMentioned: true,
  commandAuthorized: false,
  configAuthorized: false,
  isControlCommand: false,
  mentionBypassed: false,
};
const onBots: EnvelopeReaction = { kind: "love", added: true, target: { id: "T", text: "hi", fromMe: true } };
const onTheirs: EnvelopeReaction = { ...onBots, target: { id: "T2", text: "mine", fromMe: false } };

async function run(
  mode: ReactionNotifications,
  decision: PolicyDecision,
  reaction: EnvelopeReaction | undefined,
  chatType: "direct" | "group" = "direct",
) {
  const ctx = recordingContext(
    temp.store,
    testEnvelope({ chatType, text: reaction ? "" : "hello", ...(reaction ? { reaction } : {}) }),
  );
  ctx.decision = decision;
  let passed = false;
  await reactionStep({ mode: () => mode })(ctx, async () => {
    passed = true;
  });
  return { ctx, passed };
}

describe("reactionStep", () => {
  it("passes ordinary messages untouched", async () => {
    const { ctx, passed } = await run("off", PROCESS, undefined);
    expect(passed).toBe(true);
    expect(ctx.drops).toEqual([]);
  });

  it.each([
    ["own", onBots, true],
    ["own", onTheirs, false],
    ["own", { ...onBots, target: { text: "unknown target" } }, false],
    ["all", onTheirs, true],
    ["off", onBots, false],
  ] as const)("mode %s: %j reaches the agent: %s", async (mode, reaction, reaches) => {
    const { ctx, passed } = await run(mode, PROCESS, reaction);
    expect(passed).toBe(reaches);
    expect(ctx.drops).toEqual(reaches ? [] : ["reaction"]);
  });

  it("never runs pairing for a stranger's tapback: dropped as reaction-not-allowed", async () => {
    const { ctx, passed } = await run("all", { kind: "pairing" }, onBots);
    expect(passed).toBe(false);
    expect(ctx.drops).toEqual(["reaction-not-allowed"]);
  });

  it("a wanted tapback in a group without a mention still reaches the agent (a process decision)", async () => {
    const { ctx, passed } = await run("own", { kind: "history-only", reason: "no-mention" }, onBots, "group");
    expect(passed).toBe(true);
    expect(ctx.decision).toMatchObject({ kind: "process", chatType: "group", wasMentioned: false });
  });

  it("describes a tapback for history and agents, without any text of its own", () => {
    expect(describeReaction(onBots)).toBe("[tapback] loved your message “hi”");
    expect(describeReaction({ ...onTheirs, kind: "emphasis", added: false })).toBe(
      "[tapback] took back an emphasis from a message “mine”",
    );
    expect(describeReaction({ kind: "custom", emoji: "🎉", added: true, target: {} })).toBe(
      "[tapback] reacted 🎉 (custom) to message",
    );
    const entry = historyEntryOf(testEnvelope({ text: "", reaction: onBots }));
    expect(entry.text).toBe("[tapback] loved your message “hi”");
  });
});
