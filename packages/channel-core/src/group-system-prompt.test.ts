import { describe, expect, it } from "vitest";
import { resolveGroupSystemPrompt } from "./group-system-prompt.ts";

const group = (chatKey: string) => ({ chatType: "group" as const, chatKey });

describe("resolveGroupSystemPrompt (issue 14, the original gateway's rules)", () => {
  const groups = {
    "*": { systemPrompt: "Be brief in groups." },
    "42": { systemPrompt: "This is the climbing group." },
    "43": { systemPrompt: "" },
    "44": { requireMention: false },
  };

  it("the specific group's prompt wins over the wildcard", () => {
    expect(resolveGroupSystemPrompt(groups, group("42"))).toBe("This is the climbing group.");
  });

  it("the wildcard applies where the group defines none (listed without one, or not listed)", () => {
    expect(resolveGroupSystemPrompt(groups, group("44"))).toBe("Be brief in groups.");
    expect(resolveGroupSystemPrompt(groups, group("99"))).toBe("Be brief in groups.");
  });

  it('"" on a group suppresses the wildcard', () => {
    expect(resolveGroupSystemPrompt(groups, group("43"))).toBeUndefined();
  });

  it("DMs are unaffected", () => {
    expect(resolveGroupSystemPrompt(groups, { chatType: "direct", chatKey: "42" })).toBeUndefined();
  });

  it("no groups map, or no prompt anywhere: none", () => {
    expect(resolveGroupSystemPrompt(undefined, group("42"))).toBeUndefined();
    expect(resolveGroupSystemPrompt({ "*": { requireMention: true } }, group("42"))).toBeUndefined();
  });
});
