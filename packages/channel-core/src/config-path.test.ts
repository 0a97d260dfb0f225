import { describe, expect, it } from "vitest";
import type { JsonObject } from "./config-path.ts";
import {
  ConfigPathError,
  findForbiddenConfigKey,
  formatConfigPath,
  getConfigValue,
  parseConfigPath,
  setConfigValue,
  unsetConfigValue,
} from "./config-path.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ConfigPathError ? error.code : "not-a-ConfigPathError";
  }
  return undefined;
}

describe("parseConfigPath", () => {
  it("parses dotted, indexed and quoted keys", () => {
    expect(parseConfigPath("channels.imessage.groups")).toEqual(["channels", "imessage", "groups"]);
    expect(parseConfigPath('channels.imessage.groups["42"].requireMention')).toEqual([
      "channels",
      "imessage",
      "groups",
      "42",
      "requireMention",
    ]);
    expect(parseConfigPath("agents.list[0].id")).toEqual(["agents", "list", "0", "id"]);
    expect(parseConfigPath(`a['b.c']["d\\"e"]`)).toEqual(["a", "b.c", 'd"e']);
  });

  it("rejects malformed paths", () => {
    for (const bad of ["", " ", "a..b", "a.", ".a", "a[", "a[]", 'a["x', "a]b", "a[0]b"]) {
      expect(
        codeOf(() => parseConfigPath(bad)),
        bad,
      ).toBe("CONFIG_PATH_INVALID");
    }
  });

  it("rejects prototype keys in any spelling", () => {
    for (const bad of [
      "__proto__",
      "a.__proto__.b",
      'a["__proto__"]',
      "a.constructor.prototype",
      "a['PROTOTYPE']",
      "a[ __proto__ ]",
    ]) {
      expect(
        codeOf(() => parseConfigPath(bad)),
        bad,
      ).toBe("CONFIG_PATH_FORBIDDEN_KEY");
    }
  });

  it("round-trips through formatConfigPath", () => {
    const segments = ["channels", "imessage", "groups", "42", "a b", "0"];
    expect(formatConfigPath(segments)).toBe('channels.imessage.groups[42]["a b"][0]');
    expect(parseConfigPath(formatConfigPath(segments))).toEqual(segments);
  });
});

describe("get/set/unset", () => {
  const config: JsonObject = {
    channels: { imessage: { groups: { "*": { requireMention: true } } } },
    list: [1, 2],
  };

  it("gets own values only", () => {
    expect(getConfigValue(config, 'channels.imessage.groups["*"].requireMention')).toBe(true);
    expect(getConfigValue(config, "list[1]")).toBe(2);
    expect(getConfigValue(config, "channels.toString")).toBeUndefined();
    expect(getConfigValue(config, "missing.deep")).toBeUndefined();
  });

  it("sets without mutating the input, creating objects on the way", () => {
    const next = setConfigValue(config, "channels.imessage.groups.42.requireMention", false);
    expect(getConfigValue(next, "channels.imessage.groups.42.requireMention")).toBe(false);
    expect(getConfigValue(config, "channels.imessage.groups.42")).toBeUndefined();
    expect(setConfigValue(config, "list[2]", 3).list).toEqual([1, 2, 3]);
  });

  it("refuses to index past the end or to descend into a scalar", () => {
    expect(codeOf(() => setConfigValue(config, "list[5]", 1))).toBe("CONFIG_PATH_NOT_CONTAINER");
    expect(codeOf(() => setConfigValue(config, "list[0].x", 1))).toBe("CONFIG_PATH_NOT_CONTAINER");
  });

  it("refuses values with prototype keys and never pollutes prototypes", () => {
    const value = JSON.parse('{"a":{"__proto__":{"polluted":true}}}');
    expect(findForbiddenConfigKey(value)).toBe("a.__proto__");
    expect(codeOf(() => setConfigValue({}, "x", value))).toBe("CONFIG_PATH_FORBIDDEN_KEY");
    expect(codeOf(() => setConfigValue({}, "__proto__.polluted", true))).toBe("CONFIG_PATH_FORBIDDEN_KEY");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("unsets values and array elements", () => {
    const removed = unsetConfigValue(config, 'channels.imessage.groups["*"]');
    expect(removed.removed).toBe(true);
    expect(getConfigValue(removed.result, "channels.imessage.groups")).toEqual({});
    expect(unsetConfigValue(config, "list[0]").result.list).toEqual([2]);
    expect(unsetConfigValue(config, "nope.x")).toEqual({ result: config, removed: false });
    expect(getConfigValue(config, 'channels.imessage.groups["*"]')).toBeDefined();
  });
});
