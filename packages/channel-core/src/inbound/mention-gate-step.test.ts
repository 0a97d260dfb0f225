import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordingContext, testEnvelope } from "../__fixtures__/recording-context.ts";
import { openTempStateStore, type TempStateStore } from "../__fixtures__/temp-state-store.ts";
import { createHistoryStore } from "../history-store.ts";
import { keepAsHistory, mentionGateStep } from "./mention-gate-step.ts";

let temp: TempStateStore;
beforeEach(() => {
  temp = openTempStateStore();
});
afterEach(() => temp.dispose());

const group = testEnvelope({
  chatType: "group",
  chatKey: "42",
  sender: "+15550001111",
  senderRaw: "(555) 000-1111",
});

describe("mentionGateStep", () => {
  it("keeps an unmentioned group message in history, once, and does not hand it on", async () => {
    const history = createHistoryStore(temp.store);
    const step = mentionGateStep({ historyLimit: () => 10 });
    for (let copy = 0; copy < 2; copy += 1) {
      const ctx = recordingContext(temp.store, group);
      ctx.decision = { kind: "history-only", reason: "no-mention" };
      ctx.route = { agentId: "main", sessionKey: "agent:main:test:group:42" };
      let passed = false;
      await step(ctx, async () => {
        passed = true;
      });
      expect(passed).toBe(false);
      expect(ctx.counts).toEqual(["no-mention"]);
    }
    const kept = history.load("agent:main:test:group:42", 10);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ text: "hello", senderLabel: "+15550001111 ((555) 000-1111)" });
  });

  it("hands a processed message on", async () => {
    const step = mentionGateStep({
      historyLimit: () => 10,
    });
    const ctx = recordingContext(temp.store, group);
    ctx.decision = {
      kind: "process",
      chatType: "group",
      wasMentioned: true,
      commandAuthorized: false,
      configAuthorized: false,
      isControlCommand: false,
      mentionBypassed: false,
    };
    let passed = false;
    await step(ctx, async () => {
      passed = true;
    });
    expect(passed).toBe(true);
  });

  it("keepAsHistory refuses a message without a route", () => {
    const ctx = recordingContext(temp.store, group);
    expect(() =>
      keepAsHistory(ctx, "too-old", {
        historyLimit: () => 10,
      }),
    ).toThrow(/no route/);
  });
});
