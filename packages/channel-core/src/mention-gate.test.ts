import { describe, expect, it } from "vitest";
import {
  createMentionPatternCompiler,
  resolveMentionPatterns,
  stripInvisibleCharacters,
} from "./mention-gate.ts";

describe("resolveMentionPatterns", () => {
  it("prefers the agent's list, even when empty", () => {
    expect(
      resolveMentionPatterns({ agentPatterns: [], globalPatterns: ["@g"], identity: { name: "Molty" } }),
    ).toEqual([]);
    expect(resolveMentionPatterns({ agentPatterns: ["@a"], globalPatterns: ["@g"] })).toEqual(["@a"]);
  });

  it("falls back to the global list, then the identity", () => {
    expect(resolveMentionPatterns({ globalPatterns: ["@g"], identity: { name: "Molty" } })).toEqual(["@g"]);
    expect(resolveMentionPatterns({ identity: { name: "Molty Bot", emoji: "🦞" } })).toEqual([
      "\\b@?Molty\\s+Bot\\b",
      "🦞",
    ]);
    expect(resolveMentionPatterns({})).toEqual([]);
  });

  it("derives patterns that match @name and name, but not inside a word", () => {
    const matcher = createMentionPatternCompiler().compile(
      resolveMentionPatterns({ identity: { name: "Molty" } }),
    );
    expect(matcher.matches("hey @molty")).toBe(true);
    expect(matcher.matches("MOLTY, help")).toBe(true);
    expect(matcher.matches("moltybot")).toBe(false);
  });

  it("escapes regex characters in names and handles non-word edges", () => {
    const matcher = createMentionPatternCompiler().compile(
      resolveMentionPatterns({ identity: { name: "R2-D2!" } }),
    );
    expect(matcher.matches("ok @R2-D2! go")).toBe(true);
    expect(matcher.matches("R2xD2!")).toBe(false);
  });
});

describe("createMentionPatternCompiler", () => {
  it("reads a backspace character as \\b", () => {
    const matcher = createMentionPatternCompiler().compile(["\u0008bot\u0008"]);
    expect(matcher.matches("hi bot")).toBe(true);
    expect(matcher.matches("robots")).toBe(false);
  });

  it("cannot detect with only invalid or blank patterns", () => {
    const matcher = createMentionPatternCompiler().compile(["(", "  "]);
    expect(matcher.canDetect).toBe(false);
    expect(matcher.matches("(")).toBe(false);
  });
});

describe("stripInvisibleCharacters", () => {
  it("removes zero-width and bidi controls only", () => {
    expect(stripInvisibleCharacters("a\u200Bb\u200Fc\u202Ad\u2066e\uFEFFf é")).toBe("abcdef é");
  });
});
