import { createManualClock } from "@imgate/channel-core/testing";
import { describe, expect, it } from "vitest";
import { createReplyStormBrake } from "./reply-storm-brake.ts";

function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const log = (level: string) => (_fields: object, msg: string) => lines.push({ level, msg });
  return {
    lines,
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
  };
}

describe("reply-storm brake", () => {
  it("spaces a chat's turns over the limit to the limit's rate, logs the storm once, and leaves other chats alone", () => {
    const clock = createManualClock();
    const { lines, logger } = recordingLogger();
    const storms: string[] = [];
    const brake = createReplyStormBrake({
      turnsPerMinute: () => 3,
      onStorm: (chat) => storms.push(chat),
      logger,
      clock,
    });
    expect([brake.delayFor("g"), brake.delayFor("g"), brake.delayFor("g")]).toEqual([0, 0, 0]);
    clock.advance(10_000);
    // The 4th..6th turn wait until the 1st..3rd leave the minute: 50 s from now.
    expect([brake.delayFor("g"), brake.delayFor("g"), brake.delayFor("g")]).toEqual([50_000, 50_000, 50_000]);
    expect(brake.delayFor("g")).toBe(110_000);
    expect(brake.delayFor("dm")).toBe(0);
    expect(storms).toEqual(["g"]);
    expect(lines.filter((line) => line.level === "warn")).toHaveLength(1);
    // Once the reserved turns have run and a minute passed, the chat is quiet again.
    clock.advance(180_000);
    expect(brake.delayFor("g")).toBe(0);
    expect(lines.some((line) => line.msg === "reply storm over")).toBe(true);
  });

  it("is off at 0", () => {
    const brake = createReplyStormBrake({
      turnsPerMinute: () => 0,
      onStorm: () => {},
      logger: recordingLogger().logger,
      clock: createManualClock(),
    });
    for (let i = 0; i < 100; i++) expect(brake.delayFor("g")).toBe(0);
  });
});
