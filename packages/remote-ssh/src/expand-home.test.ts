import { homedir } from "node:os";
import { describe, expect, it } from "vitest";
import { expandHome, homeDirectory } from "./expand-home.ts";

describe("expandHome", () => {
  it("expands ~ and ~/ against HOME from the given env", () => {
    expect(expandHome("~", { HOME: "/h" })).toBe("/h");
    expect(expandHome("~/a/b", { HOME: "/h" })).toBe("/h/a/b");
  });

  it("leaves other paths alone, including ~user and a ~ inside a path", () => {
    expect(expandHome("~bob/x", { HOME: "/h" })).toBe("~bob/x");
    expect(expandHome("a/~/b", { HOME: "/h" })).toBe("a/~/b");
    expect(expandHome("/abs", { HOME: "/h" })).toBe("/abs");
  });

  it("falls back to the OS home when HOME is unset or empty", () => {
    expect(homeDirectory({})).toBe(homedir());
    expect(homeDirectory({ HOME: "" })).toBe(homedir());
    expect(expandHome("~/x", { HOME: "" })).toBe(`${homedir()}/x`);
  });
});
