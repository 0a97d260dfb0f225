import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isGatewayError } from "../errors/gateway-error.ts";
import { ConfigError } from "./config-error.ts";
import { loadConfig } from "./load-config.ts";
import { parseGatewayConfig, validateGatewayConfig } from "./parse-gateway-config.ts";
import { resolveConfigPath, resolveStateDir } from "./resolve-state-dir.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgate-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadConfig", () => {
  it("reads JSON5 with comments and applies defaults", async () => {
    const path = join(dir, "imgate.json5");
    await writeFile(
      path,
      `// comment
      { channels: { imessage: { enabled: true, cliPath: "imsg" } },
        agents: { list: [ { id: "main", default: true, backend: { type: "openai", model: "m" } } ] }, }`,
    );
    const loaded = await loadConfig({ path });
    expect(loaded.path).toBe(path);
    const agent = loaded.config.agents.list[0]!;
    expect(agent.backend).toMatchObject({ type: "openai", model: "m", maxRetries: 2, timeoutMs: 60_000 });
    expect(loaded.config.gateway.http).toEqual({ host: "127.0.0.1", port: 18_790, tokenEnv: "IMGATE_TOKEN" });
    expect(loaded.config.session.dmScope).toBe("main");
  });

  it("names the missing path and how to create the file", async () => {
    const path = join(dir, "nope.json5");
    const error = await loadConfig({ path }).catch((e: unknown) => e);
    expect(isGatewayError(error, "CONFIG_NOT_FOUND")).toBe(true);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/create one/);
  });

  it("reports JSON5 syntax errors with the file", async () => {
    const path = join(dir, "bad.json5");
    await writeFile(path, "{ agents: [ }");
    const error = await loadConfig({ path }).catch((e: unknown) => e);
    expect(isGatewayError(error, "CONFIG_SYNTAX")).toBe(true);
    expect((error as Error).message).toContain(path);
  });
});

describe("parseGatewayConfig", () => {
  it("names the key path of an unknown key and the nearest valid key", () => {
    const error = (() => {
      try {
        parseGatewayConfig({ gateway: { http: { hots: "127.0.0.1" } } }, { source: "x.json5" });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.issues[0]).toMatchObject({ path: "gateway.http.hots", suggestion: "host" });
    expect(error.message).toContain("gateway.http.hots");
    expect(error.message).toContain("x.json5");
  });

  it("chooses the backend variant by type for suggestions", () => {
    const result = validateGatewayConfig({
      agents: { list: [{ id: "a", backend: { type: "exec", comand: ["x"] } }] },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toContain("agents.list[0].backend.comand");
    expect(result.issues.find((i) => i.path === "agents.list[0].backend.comand")?.suggestion).toBe("command");
    expect(result.issues.map((i) => i.path)).toContain("agents.list[0].backend.command");
  });

  it("rejects a shell string for exec, bad regexes, unknown binding agents and plain-http webhooks", () => {
    const result = validateGatewayConfig({
      agents: {
        list: [
          { id: "a", default: true, backend: { type: "exec", command: "echo hi" } },
          { id: "b", groupChat: { mentionPatterns: ["(unclosed"] }, backend: { type: "echo" } },
          { id: "c", backend: { type: "webhook", url: "http://example.com/hook", secretEnv: "S" } },
        ],
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.issues.map((i) => i.path);
    expect(paths).toContain("agents.list[0].backend.command");
    expect(paths).toContain("agents.list[1].groupChat.mentionPatterns[0]");
    expect(paths).toContain("agents.list[2].backend.url");
  });

  it("rejects bindings to unknown agents and two default agents", () => {
    const result = validateGatewayConfig({
      agents: {
        list: [
          { id: "a", default: true, backend: { type: "echo" } },
          { id: "b", default: true, backend: { type: "echo" } },
        ],
      },
      bindings: [{ agentId: "zzz", match: { channel: "imessage" } }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.issues.map((i) => i.path);
    expect(paths).toContain("bindings[0].agentId");
    expect(paths).toContain("agents.list");
  });

  it("defaults to one echo agent", () => {
    const config = parseGatewayConfig({});
    expect(config.agents.list).toEqual([{ id: "main", default: true, backend: { type: "echo" } }]);
  });
});

describe("resolveStateDir / resolveConfigPath", () => {
  it("prefers IMGATE_STATE_DIR, then gateway.stateDir, then ~/.imgate, expanding ~", () => {
    expect(resolveStateDir({ IMGATE_STATE_DIR: "/s", HOME: "/h" }, { gateway: { stateDir: "/c" } })).toBe(
      "/s",
    );
    expect(resolveStateDir({ HOME: "/h" }, { gateway: { stateDir: "~/state" } })).toBe("/h/state");
    expect(resolveStateDir({ HOME: "/h" })).toBe("/h/.imgate");
  });

  it("prefers --config, then IMGATE_CONFIG", () => {
    expect(resolveConfigPath({ explicitPath: "/a.json5", env: { IMGATE_CONFIG: "/b.json5" } })).toBe(
      "/a.json5",
    );
    expect(resolveConfigPath({ env: { IMGATE_CONFIG: "~/b.json5", HOME: "/h" } })).toBe("/h/b.json5");
  });
});

describe("channels.imessage validation", () => {
  it("validates the section with the channel's schema and full key paths", () => {
    const result = validateGatewayConfig({ channels: { imessage: { dmPolicyy: "open", cliPath: "imsg" } } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]?.path).toBe("channels.imessage.dmPolicyy");
    expect(result.issues[0]?.message).toContain("dmPolicy");
  });

  it("keeps a valid section", () => {
    const config = parseGatewayConfig({
      channels: { imessage: { cliPath: "/x/imsg", dmPolicy: "allowlist", allowFrom: ["+15550001111"] } },
    });
    expect(config.channels.imessage?.cliPath).toBe("/x/imsg");
  });
});
