import { suggestKey } from "@imgate/imessage-channel";
import { describe, expect, it } from "vitest";
import { validateGatewayConfig } from "./parse-gateway-config.ts";

function issueFor(raw: unknown, path: string) {
  const result = validateGatewayConfig(raw);
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.issues.find((issue) => issue.path === path);
}

describe("gateway config: one 'did you mean' rule (the channel's)", () => {
  it("counts a swapped pair of letters as one edit and a case difference as none", () => {
    expect(issueFor({ gateway: { http: { hsot: "127.0.0.1" } } }, "gateway.http.hsot")).toMatchObject({
      suggestion: "host",
      message: 'unknown key; did you mean "host"?',
    });
    expect(issueFor({ gateway: { http: { HOST: "127.0.0.1" } } }, "gateway.http.HOST")?.suggestion).toBe(
      "host",
    );
  });

  it("suggests exactly what the channel's config check would for the same keys", () => {
    const known = ["host", "port", "tokenEnv"];
    for (const key of ["hots", "prot", "pot", "xyzzy", "h"]) {
      const issue = issueFor({ gateway: { http: { [key]: 1 } } }, `gateway.http.${key}`);
      expect(issue?.suggestion).toBe(suggestKey(key, known));
    }
  });

  it("lists the valid keys when nothing is close", () => {
    const issue = issueFor({ gateway: { http: { xyzzy: 1 } } }, "gateway.http.xyzzy");
    expect(issue?.suggestion).toBeUndefined();
    expect(issue?.message).toMatch(/^unknown key; valid keys here: /);
  });
});
