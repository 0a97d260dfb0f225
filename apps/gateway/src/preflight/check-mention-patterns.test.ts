import { describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../config/parse-gateway-config.ts";
import { checkMentionPatterns } from "./check-mention-patterns.ts";

function config(agent: Record<string, unknown>, imessage: Record<string, unknown> = {}, messages = {}) {
  return parseGatewayConfig({
    channels: { imessage: { groupPolicy: "open", ...imessage } },
    agents: { list: [{ id: "main", default: true, backend: { type: "echo" }, ...agent }] },
    messages,
  });
}

describe("checkMentionPatterns (doctor and gateway start)", () => {
  it("is quiet when the agent's identity gives patterns (no mentionPatterns configured)", () => {
    expect(checkMentionPatterns(config({ identity: { name: "Molty" } }))).toEqual([]);
    expect(checkMentionPatterns(config({ identity: { emoji: "🦞" } }))).toEqual([]);
  });

  it("warns for the default groups['*'] when the agent has no identity and no patterns", () => {
    const checks = checkMentionPatterns(config({}));
    expect(checks).toEqual([
      expect.objectContaining({
        id: "mention.default.*",
        status: "warn",
        detail: expect.stringContaining('channels.imessage.groups["*"] requires a mention, but agent "main"'),
        fix: expect.stringContaining("identity.name"),
      }),
    ]);
  });

  it("an explicit mentionPatterns: [] turns identity patterns off, and is reported", () => {
    const checks = checkMentionPatterns(
      config(
        { identity: { name: "Molty" }, groupChat: { mentionPatterns: [] } },
        { groups: { "42": { requireMention: true } } },
      ),
    );
    expect(checks.map((check) => check.id)).toEqual(["mention.default.42"]);
  });

  it("is quiet for groups that do not require a mention, or when groups are disabled", () => {
    expect(checkMentionPatterns(config({}, { groups: { "*": { requireMention: false } } }))).toEqual([]);
    expect(checkMentionPatterns(config({}, { groupPolicy: "disabled" }))).toEqual([]);
  });

  it("global patterns count for an agent without its own", () => {
    expect(checkMentionPatterns(config({}, {}, { groupChat: { mentionPatterns: ["@bot"] } }))).toEqual([]);
  });
});
