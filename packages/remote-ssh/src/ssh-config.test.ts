import { describe, expect, it } from "vitest";
import { matchPatternList, matchWildcard } from "./host-pattern.ts";
import { resolveSshConfigText } from "./ssh-config.ts";

describe("ssh_config", () => {
  const text = [
    "User global-first",
    "Host mac-?ini",
    "  HostName 10.0.0.5",
    "  IdentityFile ~/.ssh/mac",
    "Host mac-mini !mac-mini.evil",
    "  User bot",
    "  Port=2222",
    "Match host mac-mini",
    "  Port 1",
    "Host *",
    "  User ignored",
    "  Port 22",
    '  IdentityFile "/keys/%h %r.key"',
  ].join("\n");

  it("takes the first value per key across matching Host blocks and accumulates IdentityFile", () => {
    const entry = resolveSshConfigText(text, "mac-mini");
    expect(entry.hostName).toBe("10.0.0.5");
    expect(entry.user).toBe("global-first");
    expect(entry.port).toBe(2222);
    expect(entry.identityFiles).toHaveLength(2);
    expect(entry.identityFiles[0]).toMatch(/\/\.ssh\/mac$/);
    expect(entry.identityFiles[1]).toBe("/keys/10.0.0.5 global-first.key");
  });

  it("leaves unmatched hosts to the catch-all block", () => {
    expect(resolveSshConfigText(text, "other")).toMatchObject({ user: "global-first", port: 22 });
    expect(resolveSshConfigText(text, "other").hostName).toBeUndefined();
  });

  it("matches wildcards and negations as OpenSSH does", () => {
    expect(matchWildcard("*.lan", "mac.lan")).toBe(true);
    expect(matchWildcard("m?c", "mac")).toBe(true);
    expect(matchWildcard("m?c", "maac")).toBe(false);
    expect(matchWildcard("a*b*c", "aXXbYYc")).toBe(true);
    expect(matchPatternList(["*", "!secret"], "secret")).toBe(false);
    expect(matchPatternList(["!secret"], "other")).toBe(false);
  });
});
