import { describe, expect, it } from "vitest";
import { imessageConfigJsonSchema } from "./config-json-schema.ts";
import { isSafeExecutableValue } from "./executable-safety.ts";
import { ImessageConfigError } from "./imessage-errors.ts";
import { resolveAccounts } from "./resolve-accounts.ts";
import { suggestKey } from "./suggest-key.ts";
import { checkImessageConfig, validateImessageConfig } from "./validate-config.ts";

function issuesOf(input: unknown): Array<{ path: string; message: string }> {
  const result = checkImessageConfig(input);
  if (result.ok) throw new Error("expected issues");
  return result.issues;
}

describe("channels.imessage validation (§3)", () => {
  it('accepts dmPolicy "open" with "*"', () => {
    const config = validateImessageConfig({ dmPolicy: "open", allowFrom: ["*"] });
    expect(resolveAccounts(config)[0]?.dmPolicy).toBe("open");
  });

  it('rejects dmPolicy "open" without "*" at allowFrom', () => {
    expect(issuesOf({ dmPolicy: "open", allowFrom: ["+15551234567"] })).toEqual([
      expect.objectContaining({
        path: "channels.imessage.allowFrom",
        message: expect.stringContaining('"*"'),
      }),
    ]);
  });

  it("gives an empty section the pairing / allowlist defaults", () => {
    const [account, ...rest] = resolveAccounts(validateImessageConfig({}));
    expect(rest).toHaveLength(0);
    expect(account).toMatchObject({
      accountId: "default",
      dmPolicy: "pairing",
      groupPolicy: "allowlist",
      cliPath: "imsg",
      service: "auto",
      region: "US",
      mediaMaxMb: 16,
      textChunkLimit: 4000,
      chunkMode: "length",
      includeAttachments: false,
      pairingReply: "code",
      enabled: true,
    });
    expect(resolveAccounts(validateImessageConfig(undefined))[0]?.accountId).toBe("default");
  });

  it('rejects cliPath "imsg; rm -rf /" at channels.imessage.cliPath', () => {
    const issues = issuesOf({ cliPath: "imsg; rm -rf /" });
    expect(issues.map((i) => i.path)).toEqual(["channels.imessage.cliPath"]);
    expect(() => validateImessageConfig({ cliPath: "imsg; rm -rf /" })).toThrow(ImessageConfigError);
  });

  it.each([
    ["imsg", true],
    ["/usr/local/bin/imsg", true],
    ["~/bin/imsg-bot", true],
    ["./-weird", true],
    ["imsg-1.2_b+c", true],
    ["-rf", false],
    ["imsg && true", false],
    ["imsg|cat", false],
    ["$(id)", false],
    ["`id`", false],
    ["imsg\nrm", false],
    ["imsg\0", false],
    ['"imsg"', false],
    ["im sg", false],
    ["", false],
  ])("cliPath safety: %j → %s", (value, safe) => {
    expect(isSafeExecutableValue(value)).toBe(safe);
  });

  it("requires mediaMaxMb to be a positive integer", () => {
    expect(issuesOf({ mediaMaxMb: 1.5 })[0]?.path).toBe("channels.imessage.mediaMaxMb");
    expect(issuesOf({ mediaMaxMb: 0 })[0]?.path).toBe("channels.imessage.mediaMaxMb");
    expect(checkImessageConfig({ mediaMaxMb: 3 }).ok).toBe(true);
  });

  it("rejects unknown keys inside groups.<id> with the full path", () => {
    const issues = issuesOf({ groups: { "*": { requireMention: true }, "42": { requireMentoin: false } } });
    expect(issues).toEqual([
      {
        path: "channels.imessage.groups.42.requireMentoin",
        message: 'unknown key; did you mean "requireMention"?',
      },
    ]);
  });

  it("suggests the nearest key for misspellings at every level", () => {
    const issues = issuesOf({ dmPolcy: "open", accounts: { bot: { dmPolcy: "pairing", cliPth: "imsg" } } });
    expect(issues.map((i) => `${i.path}: ${i.message}`).sort()).toEqual([
      'channels.imessage.accounts.bot.cliPth: unknown key; did you mean "cliPath"?',
      'channels.imessage.accounts.bot.dmPolcy: unknown key; did you mean "dmPolicy"?',
      'channels.imessage.dmPolcy: unknown key; did you mean "dmPolicy"?',
    ]);
    expect(issuesOf({ remote: { host: "mac", hostKeyPolicyy: "strict" } })[0]?.message).toBe(
      'unknown key; did you mean "hostKeyPolicy"?',
    );
    expect(issuesOf({ zzzzzz: 1 })[0]?.message).toMatch(/valid keys here: .*dmPolicy/);
  });

  it("lists every issue in the typed error", () => {
    try {
      validateImessageConfig(
        { cliPath: "a;b", dmPolicy: "sometimes", textChunkLimit: -1 },
        { path: "x.imessage" },
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImessageConfigError);
      const e = error as ImessageConfigError;
      expect(e.code).toBe("IMESSAGE_CONFIG_INVALID");
      expect(e.issues.map((i) => i.path).sort()).toEqual([
        "x.imessage.cliPath",
        "x.imessage.dmPolicy",
        "x.imessage.textChunkLimit",
      ]);
      expect(e.message).toContain("x.imessage.cliPath");
    }
  });

  it("accepts an original gateway's iMessage section unchanged", () => {
    const original = {
      enabled: true,
      name: "Home Mac",
      capabilities: ["reactions"],
      markdown: { tables: "bullets" },
      configWrites: false,
      cliPath: "/Users/me/bin/imsg-ssh",
      dbPath: "~/Library/Messages/chat.db",
      remoteHost: "bot@mac-mini",
      service: "sms",
      region: "GB",
      dmPolicy: "allowlist",
      allowFrom: ["+447700900123", 15551234567, "me@example.com"],
      groupAllowFrom: ["chat_id:7"],
      groupPolicy: "open",
      historyLimit: 20,
      dmHistoryLimit: 5,
      dms: { "+447700900123": { historyLimit: 2 } },
      groups: { "*": { requireMention: true }, "7": { requireMention: false, tools: { deny: ["exec"] } } },
      includeAttachments: true,
      mediaMaxMb: 8,
      textChunkLimit: 2000,
      chunkMode: "newline",
      blockStreaming: true,
      blockStreamingCoalesce: { minChars: 100, maxChars: 800, idleMs: 500 },
      heartbeat: { showOk: false, showAlerts: true, useIndicator: true },
      accounts: { work: { name: "Work", cliPath: "/opt/imsg-work", enabled: false } },
    };
    const result = checkImessageConfig(original);
    expect(result).toEqual({ ok: true, config: original });
  });
});

describe("account inheritance (decision Q1)", () => {
  const section = validateImessageConfig({
    groupPolicy: "open",
    dmPolicy: "open",
    allowFrom: ["*"],
    region: "gb",
    groups: { "*": { requireMention: false } },
    accounts: {
      Bot: { cliPath: "/opt/imsg-bot" },
      work: { dmPolicy: "pairing", allowFrom: ["+447700900123"], groupAllowFrom: ["+447700900999"] },
    },
  });

  it("inherits every top-level key the account does not set; defaults come after the merge", () => {
    const accounts = resolveAccounts(section);
    expect(accounts.map((a) => a.accountId)).toEqual(["bot", "work"]);
    const [bot, work] = accounts;
    expect(bot).toMatchObject({
      configKey: "Bot",
      isDefault: true,
      groupPolicy: "open",
      dmPolicy: "open",
      allowFrom: ["*"],
      groupAllowFrom: ["*"],
      region: "GB",
      cliPath: "/opt/imsg-bot",
      groups: { "*": { requireMention: false } },
    });
    expect(work).toMatchObject({
      isDefault: false,
      groupPolicy: "open",
      dmPolicy: "pairing",
      allowFrom: ["+447700900123"],
      groupAllowFrom: ["+447700900999"],
      cliPath: "imsg",
    });
    expect(bot?.sourceKey).not.toBe(work?.sourceKey);
  });

  it('checks "open" against the effective allowFrom of each account', () => {
    expect(
      checkImessageConfig({
        dmPolicy: "open",
        allowFrom: ["*"],
        accounts: { a: { allowFrom: ["+15550001111"] } },
      }),
    ).toEqual({
      ok: false,
      issues: [expect.objectContaining({ path: "channels.imessage.accounts.a.allowFrom" })],
    });
    // The top level alone is not an account when `accounts` exists; every account fixes it itself.
    expect(checkImessageConfig({ dmPolicy: "open", accounts: { a: { allowFrom: ["*"] } } }).ok).toBe(true);
    // An account inherits "*" from the top level.
    expect(checkImessageConfig({ allowFrom: ["*"], accounts: { a: { dmPolicy: "open" } } }).ok).toBe(true);
  });

  it("disables an account when the top level is disabled", () => {
    const [a] = resolveAccounts(
      validateImessageConfig({ enabled: false, accounts: { a: { enabled: true } } }),
    );
    expect(a?.enabled).toBe(false);
  });
});

describe("JSON Schema export", () => {
  it("describes every key and is strict", () => {
    const schema = imessageConfigJsonSchema() as {
      additionalProperties: boolean;
      properties: Record<string, { description?: string }>;
    };
    expect(schema.additionalProperties).toBe(false);
    const undocumented = Object.entries(schema.properties)
      .filter(([, value]) => !value.description)
      .map(([key]) => key);
    expect(undocumented).toEqual([]);
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["cliPath", "accounts", "remote", "pairingReply"]),
    );
  });
});

describe("suggestKey", () => {
  it("finds transpositions and case slips, and refuses far words", () => {
    expect(suggestKey("dmPolcy", ["dmPolicy", "groupPolicy"])).toBe("dmPolicy");
    expect(suggestKey("allowfrom", ["allowFrom"])).toBe("allowFrom");
    expect(suggestKey("reigon", ["region"])).toBe("region");
    expect(suggestKey("banana", ["region", "dmPolicy"])).toBeUndefined();
  });
});

describe("outbound limits and the deaf-stream watchdog (issue 15)", () => {
  it("default to the published guidance, inherit key by key, and 0 turns one off", () => {
    const [flat] = resolveAccounts(validateImessageConfig({}));
    expect(flat?.limits).toEqual({
      newContactsPerHour: 15,
      newContactsPerDay: 50,
      minSendIntervalMs: 1000,
      maxPerDay: 1000,
    });
    expect(flat?.deafStreamMs).toBe(60_000);
    const accounts = resolveAccounts(
      validateImessageConfig({
        limits: { newContactsPerDay: 20, maxPerDay: 0 },
        accounts: { a: {}, b: { limits: { newContactsPerDay: 5 }, deafStreamMs: 0 } },
      }),
    );
    expect(accounts.map((account) => account.limits)).toEqual([
      { newContactsPerHour: 15, newContactsPerDay: 20, minSendIntervalMs: 1000, maxPerDay: 0 },
      { newContactsPerHour: 15, newContactsPerDay: 5, minSendIntervalMs: 1000, maxPerDay: 0 },
    ]);
    expect(accounts.map((account) => account.deafStreamMs)).toEqual([60_000, 0]);
  });

  it("refuses a misspelled limit with the nearest key", () => {
    expect(() => validateImessageConfig({ limits: { newContactPerHour: 3 } })).toThrow(/newContactsPerHour/);
  });
});
