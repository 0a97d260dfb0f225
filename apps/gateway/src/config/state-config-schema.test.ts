import { describe, expect, it } from "vitest";
import { validateGatewayConfig } from "./parse-gateway-config.ts";

function issuesOf(gateway: unknown): { path: string; message: string }[] {
  const result = validateGatewayConfig({ gateway });
  if (result.ok) throw new Error("expected the config to be refused");
  return result.issues.map(({ path, message }) => ({ path, message }));
}

describe("gateway.state and gateway.leases", () => {
  it("absent: SQLite (no gateway.state) and a 15 s lease ttl", () => {
    const result = validateGatewayConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.gateway.state).toBeUndefined();
    expect(result.config.gateway.leases).toEqual({ ttlMs: 15_000 });
  });

  it("postgres with the default variable name, or another valid name", () => {
    const defaulted = validateGatewayConfig({ gateway: { state: { postgres: {} } } });
    expect(defaulted.ok && defaulted.config.gateway.state).toEqual({
      postgres: { urlEnv: "IMGATE_DATABASE_URL" },
    });
    const named = validateGatewayConfig({
      gateway: { state: { postgres: { urlEnv: "TEAM_PG_URL" } }, leases: { ttlMs: 22_500 } },
    });
    expect(named.ok && named.config.gateway).toMatchObject({
      state: { postgres: { urlEnv: "TEAM_PG_URL" } },
      leases: { ttlMs: 22_500 },
    });
  });

  it("a URL written as urlEnv is refused without repeating it (the password must not reach a terminal or log)", () => {
    const url = "postgresql://imgate:s3cret-pw@db.example:5432/imgate";
    const issues = issuesOf({ state: { postgres: { urlEnv: url } } });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("gateway.state.postgres.urlEnv");
    expect(issues[0]?.message).toMatch(/NAME of an environment variable, not the database URL/);
    expect(issues[0]?.message).toContain('urlEnv: "IMGATE_DATABASE_URL"');
    expect(JSON.stringify(issues)).not.toContain("s3cret-pw");
    expect(JSON.stringify(issues)).not.toContain("db.example");
  });

  it("a urlEnv that is no variable name names the rule", () => {
    expect(issuesOf({ state: { postgres: { urlEnv: "1BAD NAME" } } })).toEqual([
      {
        path: "gateway.state.postgres.urlEnv",
        message:
          'must be the name of an environment variable (letters, digits and _, not starting with a digit), e.g. "IMGATE_DATABASE_URL"',
      },
    ]);
  });

  it("a url key instead of urlEnv is an unknown key that points at urlEnv", () => {
    const [issue] = issuesOf({ state: { postgres: { url: "postgresql://x" } } });
    expect(issue?.path).toBe("gateway.state.postgres.url");
    expect(issue?.message).toContain("urlEnv");
    expect(issue?.message).not.toContain("postgresql://x");
  });

  it("ttlMs outside 3000–22500 is refused with the reason and the fix (a standby must take over within 30 s)", () => {
    expect(issuesOf({ leases: { ttlMs: 30_000 } })).toEqual([
      {
        path: "gateway.leases.ttlMs",
        message:
          "must be at most 22500 ms: a standby takes over within ttl + ttl/3 (here 40000 ms), which must stay within 30 s; lower it (default 15000)",
      },
    ]);
    expect(issuesOf({ leases: { ttlMs: 22_501 } })[0]?.message).toMatch(/^must be at most 22500 ms/);
    expect(issuesOf({ leases: { ttlMs: 500 } })).toEqual([
      {
        path: "gateway.leases.ttlMs",
        message:
          "must be at least 3000 ms (renewed every 1000 ms): a shorter lease is lost on an ordinary database hiccup and the gateway stops serving; raise it (default 15000)",
      },
    ]);
    expect(issuesOf({ leases: { ttlMs: 15_000.5 } })[0]?.path).toBe("gateway.leases.ttlMs");
    expect(issuesOf({ leases: { ttl: 15_000 } })[0]?.path).toBe("gateway.leases.ttl");
  });
});
