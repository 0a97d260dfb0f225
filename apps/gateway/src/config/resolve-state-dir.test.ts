import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveStateDir } from "./resolve-state-dir.ts";

describe("resolveStateDir", () => {
  const config = (stateDir: string) => ({ gateway: { stateDir } });

  it("resolves a relative gateway.stateDir against the config file's directory", () => {
    expect(resolveStateDir({ HOME: "/h" }, config("state"), "/etc/imgate/imgate.json5")).toBe(
      "/etc/imgate/state",
    );
    expect(resolveStateDir({ HOME: "/h" }, config("../s"), "/etc/imgate/imgate.json5")).toBe("/etc/s");
  });

  it("leaves absolute and ~ paths alone, whatever the config file", () => {
    expect(resolveStateDir({ HOME: "/h" }, config("/abs"), "/etc/imgate/imgate.json5")).toBe("/abs");
    expect(resolveStateDir({ HOME: "/h" }, config("~/st"), "/etc/imgate/imgate.json5")).toBe("/h/st");
  });

  it("lets IMGATE_STATE_DIR win, relative to the working directory", () => {
    expect(resolveStateDir({ IMGATE_STATE_DIR: "rel" }, config("state"), "/etc/imgate/imgate.json5")).toBe(
      resolve("rel"),
    );
  });

  it("falls back to the working directory only for a config built in code", () => {
    expect(resolveStateDir({ HOME: "/h" }, config("state"))).toBe(resolve("state"));
    expect(resolveStateDir({ HOME: "/h" })).toBe("/h/.imgate");
  });
});
