import { createHmac, randomBytes } from "node:crypto";
import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import {
  checkHostKey,
  hostKeyFingerprint,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from "./known-hosts.ts";

const blobOf = () =>
  Buffer.from(ssh2.utils.generateKeyPairSync("ed25519").public.split(" ")[1] ?? "", "base64");
const key = blobOf();
const other = blobOf();
const b64 = key.toString("base64");
const hashed = (name: string) => {
  const salt = randomBytes(20);
  return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name).digest("base64")}`;
};

describe("known_hosts", () => {
  it("names hosts as OpenSSH does", () => {
    expect(knownHostsName("mac", 22)).toBe("mac");
    expect(knownHostsName("mac", 2222)).toBe("[mac]:2222");
  });

  it("matches plain, comma-list, wildcard, [host]:port and hashed entries", () => {
    const text = [
      "# comment",
      `alpha,beta ssh-ed25519 ${b64}`,
      `*.lan,!evil.lan ssh-ed25519 ${b64}`,
      `[gamma]:2222 ssh-ed25519 ${b64}`,
      `${hashed("delta")} ssh-ed25519 ${b64} comment here`,
      "garbage",
    ].join("\n");
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(4);
    for (const name of ["alpha", "beta", "mac.lan", "[gamma]:2222", "delta"]) {
      expect(checkHostKey(entries, name, key).status, name).toBe("match");
    }
    for (const name of ["gamma", "[alpha]:2222", "evil.lan", "epsilon"]) {
      expect(checkHostKey(entries, name, key).status, name).toBe("unknown");
    }
  });

  it("reports a different key for a known host as changed, with the known types", () => {
    const entries = parseKnownHosts(`mac ssh-ed25519 ${b64}\nmac ssh-rsa AAAAB3NzaC1yc2E=\n`);
    expect(checkHostKey(entries, "mac", other)).toEqual({
      status: "changed",
      lines: [1, 2],
      knownTypes: ["ssh-ed25519", "ssh-rsa"],
    });
    expect(knownKeyTypes(entries, "mac")).toEqual(["ssh-ed25519", "ssh-rsa"]);
  });

  it("refuses a @revoked key for any host and ignores @cert-authority lines", () => {
    const entries = parseKnownHosts(
      `mac ssh-ed25519 ${b64}\n@revoked * ssh-ed25519 ${b64}\n@cert-authority * ssh-ed25519 ${other.toString("base64")}`,
    );
    expect(checkHostKey(entries, "mac", key)).toEqual({ status: "revoked", line: 2 });
    expect(checkHostKey(entries, "mac", other).status).toBe("changed");
  });

  it("prints SHA256 fingerprints like ssh-keygen -l", () => {
    expect(hostKeyFingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
