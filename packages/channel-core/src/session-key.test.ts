import { describe, expect, it } from "vitest";
import { buildSessionKey, mainSessionKey, parseChannelDmSessionKey } from "./session-key.ts";

const dm = {
  agentId: "main",
  channel: "imessage",
  accountId: "bot",
  chatType: "direct",
  peerId: "User@X.com",
} as const;

describe("buildSessionKey", () => {
  it.each([
    ["main", "agent:main:main"],
    ["per-peer", "agent:main:dm:user@x.com"],
    ["per-channel-peer", "agent:main:imessage:dm:user@x.com"],
    ["per-account-channel-peer", "agent:main:imessage:bot:dm:user@x.com"],
  ] as const)("dmScope %s gives %s (§8 table)", (dmScope, expected) => {
    expect(buildSessionKey({ ...dm, dmScope })).toBe(expected);
  });

  it("defaults to the main scope", () => {
    expect(buildSessionKey(dm)).toBe("agent:main:main");
  });

  it("keys groups by chat id without the account, whatever the dm scope", () => {
    for (const dmScope of ["main", "per-account-channel-peer"] as const) {
      expect(buildSessionKey({ ...dm, chatType: "group", peerId: "42", dmScope })).toBe(
        "agent:main:imessage:group:42",
      );
    }
  });

  it("gives an inbound group message and a send to the same chat id one session (Q13)", () => {
    const inbound = buildSessionKey({ ...dm, accountId: "bot", chatType: "group", peerId: "7" });
    const outbound = buildSessionKey({ ...dm, accountId: "default", chatType: "group", peerId: " 7 " });
    expect(outbound).toBe(inbound);
  });

  it("lower-cases group keys", () => {
    expect(buildSessionKey({ ...dm, agentId: "Main", chatType: "group", peerId: "ABC" })).toBe(
      "agent:main:imessage:group:abc",
    );
  });

  it("collapses linked identities for non-main scopes", () => {
    const identityLinks = { alice: ["imessage:user@x.com", "telegram:123"] };
    expect(buildSessionKey({ ...dm, dmScope: "per-peer", identityLinks })).toBe("agent:main:dm:alice");
    expect(buildSessionKey({ ...dm, dmScope: "main", identityLinks })).toBe("agent:main:main");
    expect(buildSessionKey({ ...dm, peerId: "other@x.com", dmScope: "per-peer", identityLinks })).toBe(
      "agent:main:dm:other@x.com",
    );
  });
});

describe("mainSessionKey / parseChannelDmSessionKey", () => {
  it("builds the main key", () => {
    expect(mainSessionKey("Ops")).toBe("agent:ops:main");
  });

  it("parses only per-channel-peer DM keys", () => {
    expect(parseChannelDmSessionKey("agent:main:imessage:dm:+15550001111")).toEqual({
      channel: "imessage",
      peerId: "+15550001111",
    });
    expect(parseChannelDmSessionKey("agent:main:main")).toBeUndefined();
    expect(parseChannelDmSessionKey("agent:main:dm:+1555")).toBeUndefined();
    expect(parseChannelDmSessionKey("agent:main:imessage:bot:dm:+1555")).toBeUndefined();
  });
});
