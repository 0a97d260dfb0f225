import { describe, expect, it } from "vitest";
import { applyResponsePrefix, resolveResponsePrefix, shortModelName } from "./response-prefix.ts";

describe("resolveResponsePrefix", () => {
  it("returns undefined for empty prefixes", () => {
    expect(resolveResponsePrefix(undefined)).toBeUndefined();
    expect(resolveResponsePrefix("  ")).toBeUndefined();
  });

  it("turns auto into [identity name]", () => {
    expect(resolveResponsePrefix("auto", { identityName: "Molty" })).toBe("[Molty]");
    expect(resolveResponsePrefix("AUTO", {})).toBeUndefined();
  });

  it("fills template variables case-insensitively and keeps unknown ones", () => {
    const context = {
      identityName: "Molty",
      model: "openai/gpt-4o-2024-08-06",
      provider: "openai",
      thinkingLevel: "low",
    };
    expect(
      resolveResponsePrefix(
        "[{identity.name}|{MODEL}|{modelFull}|{provider}|{think}|{thinkingLevel}]",
        context,
      ),
    ).toBe("[Molty|gpt-4o|openai/gpt-4o-2024-08-06|openai|low|low]");
    expect(resolveResponsePrefix("{identityName} {unknown} {model}", { identityName: "M" })).toBe(
      "M {unknown} {model}",
    );
  });
});

describe("shortModelName", () => {
  it("drops provider, dates and -latest", () => {
    expect(shortModelName("anthropic/claude-3-5-sonnet-20241022")).toBe("claude-3-5-sonnet");
    expect(shortModelName("llama3.1:8b")).toBe("llama3.1:8b");
    expect(shortModelName("gpt-4o-latest")).toBe("gpt-4o");
  });
});

describe("applyResponsePrefix", () => {
  it("prepends the prefix and a space (§11.5 PFX test)", () => {
    expect(applyResponsePrefix("final reply", "PFX")).toBe("PFX final reply");
  });

  it("leaves text alone when already prefixed, empty, heartbeat or without prefix", () => {
    expect(applyResponsePrefix("PFX done", "PFX")).toBe("PFX done");
    expect(applyResponsePrefix("", "PFX")).toBe("");
    expect(applyResponsePrefix("HEARTBEAT_OK", "PFX", { heartbeatToken: "HEARTBEAT_OK" })).toBe(
      "HEARTBEAT_OK",
    );
    expect(applyResponsePrefix("x", undefined)).toBe("x");
  });
});
