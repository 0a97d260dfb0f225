import { describe, expect, it } from "vitest";
import { hasControlCommand } from "./command-gate.ts";

describe("hasControlCommand", () => {
  it("recognises registry commands at the start, case-insensitively", () => {
    expect(hasControlCommand("/status")).toBe(true);
    expect(hasControlCommand("  /CONFIG show")).toBe(true);
    expect(hasControlCommand("\u200B/reset")).toBe(true);
  });

  it("rejects other text", () => {
    expect(hasControlCommand("/statusx")).toBe(false);
    expect(hasControlCommand("please /status")).toBe(false);
    expect(hasControlCommand("/unknown")).toBe(false);
    expect(hasControlCommand("status")).toBe(false);
  });

  it("uses a custom registry", () => {
    expect(hasControlCommand("/allowlist add x", { commands: ["allowlist"] })).toBe(true);
    expect(hasControlCommand("/status", { commands: ["allowlist"] })).toBe(false);
  });
});
