import { describe, expect, it } from "vitest";
import { formatConfigWarnings } from "./config-warning.ts";
import { stripOriginalGatewayKeys } from "./original-gateway-keys.ts";
import { validateGatewayConfig } from "./parse-gateway-config.ts";

/** A Moltbot/OpenClaw `moltbot.json` as users have it, with an imgate backend added to its agent. */
const moltbotJson = {
  meta: { lastTouchedVersion: "2026.1.30" },
  models: { providers: { anthropic: { apiKey: "sk-x" } } },
  agents: {
    defaults: { model: { primary: "anthropic/claude" }, workspace: "~/clawd" },
    list: [
      {
        id: "main",
        default: true,
        model: "anthropic/claude",
        workspace: "~/clawd",
        identity: { name: "Molty", theme: "lobster", emoji: "🦞" },
        backend: { type: "echo" },
      },
    ],
  },
  channels: {
    defaults: { groupPolicy: "allowlist" },
    telegram: { botToken: "123:abc", dmPolicy: "pairing" },
    imessage: { cliPath: "imsg", dmPolicy: "allowlist", allowFrom: ["+15551234567"] },
  },
  messages: { responsePrefix: "", queue: { mode: "collect" } },
  session: { dmScope: "main", reset: { mode: "daily" } },
  gateway: { port: 18789, bind: "loopback", mode: "local", auth: { mode: "token", token: "t" } },
};

describe("the original gateway's config", () => {
  it("starts imgate: original-only keys are accepted and named, in file order", () => {
    const result = validateGatewayConfig(moltbotJson);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings.map((w) => w.path)).toEqual([
      "meta",
      "models",
      "agents.defaults",
      "agents.list[0].model",
      "agents.list[0].workspace",
      "agents.list[0].identity.theme",
      "channels.defaults",
      "channels.telegram",
      "messages.queue",
      "session.reset",
      "gateway.port",
      "gateway.bind",
      "gateway.mode",
      "gateway.auth",
    ]);
    expect(result.config.agents.list[0]?.identity).toEqual({ name: "Molty", emoji: "🦞" });
    expect(result.config.gateway.http.port).toBe(18_790);
    const lines = formatConfigWarnings(result.warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^14 keys of the original gateway's config are not used by imgate and ignored: meta, /,
    );
    expect(lines[0]).toContain("channels.telegram");
  });

  it("accepts the later iMessage channel's own extra keys, at the top level and in accounts", () => {
    const result = validateGatewayConfig({
      agents: { list: [{ id: "main", backend: { type: "echo" } }] },
      channels: {
        imessage: {
          probeTimeoutMs: 5000,
          catchup: { enabled: true },
          groups: { "*": { requireMention: true, systemPrompt: "be brief" } },
          accounts: { work: { coalesceSameSenderDms: true, dbPath: "~/work.db" } },
          defaultAccount: "work",
        },
      },
    });
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.path)).toEqual([
      "channels.imessage.probeTimeoutMs",
      "channels.imessage.catchup",
      "channels.imessage.accounts.work.coalesceSameSenderDms",
      "channels.imessage.defaultAccount",
    ]);
    if (result.ok) expect(result.config.channels.imessage?.accounts?.work).toEqual({ dbPath: "~/work.db" });
  });

  it("leaves the input untouched and keeps imgate's own keys where both define them", () => {
    const raw = structuredClone(moltbotJson);
    const { value } = stripOriginalGatewayKeys(raw);
    expect(raw).toEqual(moltbotJson);
    expect(value).toMatchObject({ messages: { responsePrefix: "" }, session: { dmScope: "main" } });
  });

  it("still refuses a misspelt imgate key with a suggestion", () => {
    const result = validateGatewayConfig({
      ...moltbotJson,
      channels: { ...moltbotJson.channels, imesage: {} },
      sesion: {},
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual(
      expect.objectContaining({ path: "channels.imesage", suggestion: "imessage" }),
    );
    expect(result.issues).toContainEqual(expect.objectContaining({ path: "sesion", suggestion: "session" }));
  });

  it("refuses an agent without a backend, naming the key and the choices (never the echo agent)", () => {
    const agents = { list: [{ id: "main", default: true, model: "anthropic/claude" }] };
    const result = validateGatewayConfig({ ...moltbotJson, agents });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]?.path).toBe("agents.list[0].backend");
    expect(result.issues[0]?.message).toContain('"echo", "openai", "exec", "webhook"');
    const onlyDefaults = validateGatewayConfig({ agents: { defaults: { model: "x" } } });
    expect(onlyDefaults.ok).toBe(false);
    if (!onlyDefaults.ok) expect(onlyDefaults.issues[0]?.path).toBe("agents.list");
  });

  it("warns when the file has no agents at all (the built-in echo agent answers)", () => {
    const result = validateGatewayConfig({ channels: { imessage: { cliPath: "imsg" } } });
    expect(result.ok).toBe(true);
    expect(formatConfigWarnings(result.warnings)).toEqual([expect.stringMatching(/^no agents configured/)]);
    const explicit = validateGatewayConfig({ agents: { list: [{ id: "m", backend: { type: "echo" } }] } });
    expect(explicit.warnings).toEqual([]);
  });

  it('refuses groups keys that can never match, saying what to write instead ("*" and chat ids pass)', () => {
    const check = (groups: object) =>
      validateGatewayConfig({
        agents: { list: [{ id: "m", backend: { type: "echo" } }] },
        channels: { imessage: { groups } },
      });
    expect(check({ "*": {}, "2": { requireMention: false } }).ok).toBe(true);
    const bad = check({ "chat_id:2": {}, "chat_guid:iMessage;+;chat1": {} });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.issues).toContainEqual({
      path: 'channels.imessage.groups["chat_id:2"]',
      message: 'groups keys are bare chat ids: write groups["2"] instead of groups["chat_id:2"]',
    });
    expect(bad.issues.find((i) => i.path.includes("chat_guid"))?.message).toContain("imgate chats");
    const inAccount = validateGatewayConfig({
      agents: { list: [{ id: "m", backend: { type: "echo" } }] },
      channels: { imessage: { accounts: { work: { groups: { "chat:7": {} } } } } },
    });
    expect(inAccount.ok).toBe(false);
    if (!inAccount.ok) {
      expect(inAccount.issues[0]?.path).toBe('channels.imessage.accounts.work.groups["chat:7"]');
    }
  });

  it("groups.<id>.systemPrompt is an imgate key now: validated and kept, not ignored (openclaw/openclaw#78285)", () => {
    const result = validateGatewayConfig({
      agents: { list: [{ id: "main", backend: { type: "echo" } }] },
      channels: { imessage: { groups: { "*": { systemPrompt: "be brief" }, "42": { systemPrompt: "" } } } },
    });
    if (!result.ok) throw new Error("expected a valid config");
    expect(result.warnings).toEqual([]);
    expect(result.config.channels.imessage?.groups).toEqual({
      "*": { systemPrompt: "be brief" },
      "42": { systemPrompt: "" },
    });
    const wrong = validateGatewayConfig({
      agents: { list: [{ id: "main", backend: { type: "echo" } }] },
      channels: { imessage: { groups: { "*": { systemPrompt: 3 } } } },
    });
    expect(wrong.ok).toBe(false);
  });
});
