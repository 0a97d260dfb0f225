import { describe, expect, it } from "vitest";
import { formatConfigKeyPath, formatConfigPath, parseConfigKeyPath } from "./config-path.ts";

describe("the one config key-path parser and formatter", () => {
  it("types bare [n] as an index and keeps string keys that look like numbers as keys", () => {
    expect(parseConfigKeyPath("agents.list[0].id")).toEqual(["agents", "list", 0, "id"]);
    expect(parseConfigKeyPath('groups["42"].x')).toEqual(["groups", "42", "x"]);
    expect(parseConfigKeyPath("groups.42.x")).toEqual(["groups", "42", "x"]);
  });

  it("formats indexes as [n], simple keys dotted, anything else quoted, after a prefix", () => {
    expect(formatConfigKeyPath(["agents", "list", 0, "a b"])).toBe('agents.list[0]["a b"]');
    expect(formatConfigKeyPath(["groups", "*", "requireMention"])).toBe("groups.*.requireMention");
    expect(formatConfigKeyPath(["groups", "42", "x"], "channels.imessage")).toBe(
      "channels.imessage.groups.42.x",
    );
    expect(formatConfigKeyPath(["groups", "chat_id:2"], "channels.imessage")).toBe(
      'channels.imessage.groups["chat_id:2"]',
    );
  });

  it("reads its own output back to the same segments", () => {
    for (const segments of [
      ["agents", "list", 3, "backend", "model"],
      ["channels", "imessage", "groups", "*", "requireMention"],
      ["channels", "imessage", "groups", "42", "x.y", 'a"b'],
    ]) {
      expect(parseConfigKeyPath(formatConfigKeyPath(segments))).toEqual(segments);
    }
  });

  it("keeps the string view for chat commands: all-digit keys are indexes", () => {
    expect(formatConfigPath(["agents", "list", "0", "id"])).toBe("agents.list[0].id");
  });
});
