import { describe, expect, it } from "vitest";
import type { AgentBinding } from "./agent-route.ts";
import { resolveAgentRoute, resolveDefaultAgentId } from "./agent-route.ts";

const agents = [{ id: "main" }, { id: "ops", default: true }, { id: "family" }, { id: "work" }];
const base = {
  agents,
  channel: "imessage",
  accountId: "bot",
  peer: { chatType: "group", id: "42" },
} as const;

describe("resolveDefaultAgentId", () => {
  it("prefers default: true, then the first entry, then main", () => {
    expect(resolveDefaultAgentId(agents)).toBe("ops");
    expect(resolveDefaultAgentId([{ id: "a" }, { id: "b" }])).toBe("a");
    expect(resolveDefaultAgentId([])).toBe("main");
    expect(resolveDefaultAgentId(undefined)).toBe("main");
  });
});

describe("resolveAgentRoute", () => {
  const bindings: AgentBinding[] = [
    { agentId: "work", match: { channel: "imessage", accountId: "*" } },
    { agentId: "main", match: { channel: "imessage", accountId: "bot" } },
    {
      agentId: "family",
      match: { channel: "imessage", accountId: "bot", peer: { kind: "group", id: "42" } },
    },
  ];

  it("prefers a peer match over account and channel bindings", () => {
    const route = resolveAgentRoute({ ...base, bindings });
    expect(route).toMatchObject({ agentId: "family", matchedBy: "peer" });
    expect(route.sessionKey).toBe("agent:family:imessage:group:42");
  });

  it("falls back to the account binding when no peer matches", () => {
    const route = resolveAgentRoute({ ...base, bindings, peer: { chatType: "group", id: "43" } });
    expect(route).toMatchObject({ agentId: "main", matchedBy: "account" });
  });

  it("does not match a group peer binding for a DM with the same id", () => {
    const route = resolveAgentRoute({ ...base, bindings, peer: { chatType: "direct", id: "42" } });
    expect(route.matchedBy).toBe("account");
  });

  it("uses the * account binding for other accounts", () => {
    const route = resolveAgentRoute({ ...base, bindings, accountId: "other" });
    expect(route).toMatchObject({ agentId: "work", matchedBy: "channel" });
  });

  it("treats a binding without accountId as the default account", () => {
    const only: AgentBinding[] = [{ agentId: "work", match: { channel: "iMessage" } }];
    expect(resolveAgentRoute({ ...base, bindings: only, accountId: "default" })).toMatchObject({
      agentId: "work",
      matchedBy: "account",
    });
    expect(resolveAgentRoute({ ...base, bindings: only, accountId: "bot" })).toMatchObject({
      agentId: "ops",
      matchedBy: "default",
    });
  });

  it("ignores bindings of other channels and falls back to the default agent", () => {
    const other: AgentBinding[] = [{ agentId: "work", match: { channel: "telegram", accountId: "*" } }];
    expect(resolveAgentRoute({ ...base, bindings: other })).toMatchObject({
      agentId: "ops",
      matchedBy: "default",
    });
  });

  it("replaces an agent missing from agents.list by the default agent and warns", () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (_: object, m: string) => warnings.push(m), error() {} };
    const route = resolveAgentRoute({
      ...base,
      logger,
      bindings: [{ agentId: "ghost", match: { channel: "imessage", accountId: "bot" } }],
    });
    expect(route.agentId).toBe("ops");
    expect(warnings[0]).toContain('"ghost"');
  });

  it("builds DM keys with the configured scope and the main key", () => {
    const route = resolveAgentRoute({
      ...base,
      peer: { chatType: "direct", id: "+15550001111" },
      dmScope: "per-channel-peer",
    });
    expect(route.sessionKey).toBe("agent:ops:imessage:dm:+15550001111");
    expect(route.mainSessionKey).toBe("agent:ops:main");
  });
});
