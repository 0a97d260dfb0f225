import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type {
  ChatCommand,
  ConfigAccessor,
  ConfigCommandContext,
  ConfigWriteResult,
  ProtectedConfigKeys,
} from "./chat-commands.ts";
import {
  chatCommandHelpText,
  findProtectedConfigPath,
  parseChatCommand,
  runConfigCommand,
} from "./chat-commands.ts";
import type { JsonObject } from "./config-path.ts";
import { parseConfigPath } from "./config-path.ts";

describe("parseChatCommand", () => {
  it("parses the §13 vectors", () => {
    expect(parseChatCommand("/config")).toEqual({ name: "config", action: "show" });
    expect(parseChatCommand("/config get foo.bar")).toEqual({
      name: "config",
      action: "show",
      path: "foo.bar",
    });
    expect(parseChatCommand('/config set foo={"a":1}')).toEqual({
      name: "config",
      action: "set",
      path: "foo",
      value: { a: 1 },
    });
  });

  it("parses set with a space, scalars and plain text", () => {
    expect(parseChatCommand("/config set a.b 42")).toMatchObject({ path: "a.b", value: 42 });
    expect(parseChatCommand("/config set a.b true")).toMatchObject({ value: true });
    expect(parseChatCommand("/config set a.b hello world")).toMatchObject({ value: "hello world" });
    expect(parseChatCommand('/config set a["x y"] 1')).toMatchObject({ path: 'a["x y"]', value: 1 });
    expect(parseChatCommand("/CONFIG Unset a.b")).toEqual({ name: "config", action: "unset", path: "a.b" });
    expect(parseChatCommand("/config show")).toEqual({ name: "config", action: "show" });
  });

  it("parses status, reset and help", () => {
    expect(parseChatCommand("/status")).toEqual({ name: "status" });
    expect(parseChatCommand(" /reset ")).toEqual({ name: "reset" });
    expect(parseChatCommand("/help")).toEqual({ name: "help" });
  });

  it("turns unknown and malformed commands into help with an error", () => {
    expect(parseChatCommand("/frobnicate")).toEqual({ name: "help", error: "Unknown command /frobnicate." });
    expect(parseChatCommand("/config delete a")).toMatchObject({
      name: "help",
      error: expect.stringContaining("delete"),
    });
    expect(parseChatCommand("/config set a.b")).toMatchObject({
      name: "help",
      error: expect.stringContaining("value"),
    });
    expect(parseChatCommand("/config unset")).toMatchObject({ name: "help" });
    expect(parseChatCommand("/config get a..b")).toMatchObject({
      name: "help",
      error: expect.stringContaining("a..b"),
    });
    expect(parseChatCommand("/status now")).toMatchObject({ name: "help" });
    expect(parseChatCommand('/config set x {"__proto__":{"a":1}}')).toMatchObject({
      name: "help",
      error: expect.stringContaining("__proto__"),
    });
  });

  it("returns undefined for ordinary text", () => {
    expect(parseChatCommand("hello /status")).toBeUndefined();
    expect(parseChatCommand("")).toBeUndefined();
  });

  it("has help text listing every command", () => {
    for (const name of ["/status", "/reset", "/config", "/help"])
      expect(chatCommandHelpText()).toContain(name);
  });
});

const baseConfig: JsonObject = {
  channels: { imessage: { cliPath: "imsg", dbPath: "/db", groups: {}, accounts: { bot: { name: "Bot" } } } },
  agents: { list: [{ id: "main", backend: { type: "echo" } }] },
  gateway: { http: { port: 18790 } },
  commands: { config: true },
  webhook: { secret: "s3cret", secretEnv: "HOOK_SECRET" },
};

function fakeAccessor(initial: JsonObject, result: ConfigWriteResult = { ok: true }) {
  const writes: JsonObject[] = [];
  const accessor: ConfigAccessor = {
    read: () => structuredClone(initial),
    write: async (next) => {
      writes.push(next);
      return result;
    },
  };
  return { accessor, writes };
}

/** What the iMessage channel and the gateway supply (see ProtectedConfigKeys): the tests' fixture. */
const PROTECTED: ProtectedConfigKeys = {
  keys: ["cliPath", "dbPath", "remoteHost", "remote", "imsgPath", "remoteAttachmentRoots", "backend"],
  roots: ["gateway"],
};

function context(
  accessor: ConfigAccessor,
  overrides: Partial<ConfigCommandContext> = {},
): ConfigCommandContext {
  return {
    accessor,
    senderAuthorized: true,
    commandsConfigEnabled: true,
    configWritesEnabled: true,
    channel: "imessage",
    protectedKeys: PROTECTED,
    ...overrides,
  };
}

const run = (text: string, ctx: ConfigCommandContext) =>
  runConfigCommand(parseChatCommand(text) as Extract<ChatCommand, { name: "config" }>, ctx);

describe("runConfigCommand gates", () => {
  it("ignores unauthorised senders silently", async () => {
    const { accessor, writes } = fakeAccessor(baseConfig);
    expect(await run("/config set a 1", context(accessor, { senderAuthorized: false }))).toEqual({
      kind: "ignored",
      reason: "unauthorized",
    });
    expect(writes).toHaveLength(0);
  });

  it("replies that /config is disabled without commands.config", async () => {
    const { accessor } = fakeAccessor(baseConfig);
    const outcome = await run("/config show", context(accessor, { commandsConfigEnabled: false }));
    expect(outcome).toMatchObject({ kind: "reply", text: expect.stringContaining("commands.config=true") });
  });

  it("refuses writes when configWrites is false but still shows", async () => {
    const { accessor, writes } = fakeAccessor(baseConfig);
    const ctx = context(accessor, { configWritesEnabled: false });
    expect(await run("/config set a 1", ctx)).toMatchObject({
      text: expect.stringContaining("channels.imessage.configWrites=true"),
      changed: false,
    });
    expect(await run("/config unset commands", ctx)).toMatchObject({ changed: false });
    expect(await run("/config get commands.config", ctx)).toMatchObject({ text: "⚙️ commands.config = true" });
    expect(writes).toHaveLength(0);
  });
});

describe("runConfigCommand edits", () => {
  it("sets a value through the accessor", async () => {
    const { accessor, writes } = fakeAccessor(baseConfig);
    const outcome = await run(
      '/config set channels.imessage.groups["42"].requireMention false',
      context(accessor),
    );
    expect(outcome).toEqual({
      kind: "reply",
      text: "⚙️ Config updated: channels.imessage.groups[42].requireMention=false",
      changed: true,
    });
    expect(writes[0]).toMatchObject({
      channels: { imessage: { groups: { "42": { requireMention: false } } } },
    });
  });

  it("unsets a value and reports a missing one", async () => {
    const { accessor, writes } = fakeAccessor(baseConfig);
    expect(await run("/config unset commands.config", context(accessor))).toMatchObject({ changed: true });
    expect(writes[0]?.commands).toEqual({});
    expect(await run("/config unset nothing.here", context(accessor))).toMatchObject({
      text: "⚙️ No config value at nothing.here.",
    });
  });

  it("reports an invalid result from the accessor", async () => {
    const { accessor } = fakeAccessor(baseConfig, {
      ok: false,
      path: "channels.imessage.dmPolicy",
      message: "bad enum",
    });
    expect(await run("/config set channels.imessage.dmPolicy nope", context(accessor))).toMatchObject({
      text: "⚠️ Config invalid after set (channels.imessage.dmPolicy: bad enum)",
      changed: false,
    });
  });

  it("shows values with secrets redacted", async () => {
    const { accessor } = fakeAccessor(baseConfig);
    const outcome = await run("/config show webhook", context(accessor));
    expect(outcome).toMatchObject({ text: expect.stringContaining("[Redacted]") });
    expect(outcome).toMatchObject({ text: expect.stringContaining("HOOK_SECRET") });
    expect(outcome).not.toMatchObject({ text: expect.stringContaining("s3cret") });
  });
});

describe("protected keys are refused from chat", () => {
  const refusedPaths = [
    "channels.imessage.cliPath",
    "channels.imessage.CLIPATH",
    "channels.imessage.cli_path",
    'channels["imessage"]["cliPath"]',
    "channels['imessage'].cliPath",
    'channels.imessage["cli\\u0050ath"]',
    "channels.imessage.ｃliPath",
    "channels.imessage.cli\u200BPath",
    "channels.imessage. cliPath ",
    "channels.imessage.accounts.bot.cliPath",
    "channels.imessage.dbPath",
    "channels.imessage.remoteHost",
    "channels.imessage.remote.host",
    "channels.imessage.remote",
    "channels.imessage.remoteAttachmentRoots",
    "channels.imessage.accounts.bot.remote.imsgPath",
    "agents.list[0].backend",
    "agents.list.0.backend.type",
    "agents.list[0].Backend",
    "gateway.http.port",
    "gateway",
    "GATEWAY.stateDir",
    '["gateway"].http',
  ];

  it.each(refusedPaths)("refuses set and unset of %s", async (path) => {
    const { accessor, writes } = fakeAccessor(baseConfig);
    for (const text of [`/config set ${path} "x"`, `/config unset ${path}`]) {
      const outcome = await run(text, context(accessor));
      expect(outcome, text).toMatchObject({
        kind: "reply",
        changed: false,
        text: expect.stringContaining("cannot be changed from chat"),
      });
    }
    expect(writes).toHaveLength(0);
  });

  it("refuses replacing or removing a parent that holds protected keys", async () => {
    const { accessor, writes } = fakeAccessor(baseConfig);
    for (const text of [
      '/config set channels.imessage {"enabled":true}',
      "/config unset channels.imessage",
      "/config unset channels",
      "/config set agents.list []",
      "/config unset agents.list[0]",
      '/config set channels.imessage.accounts.evil {"cliPath":"/bin/sh"}',
      '/config set agents.list[1] {"id":"x","backend":{"type":"exec","command":"sh"}}',
      '/config set x {"gateway":1}',
    ]) {
      const outcome = await run(text, context(accessor));
      if (text === '/config set x {"gateway":1}') {
        // `gateway` is only protected at the top level; a nested key of that name is harmless.
        expect(outcome).toMatchObject({ changed: true });
        continue;
      }
      expect(outcome, text).toMatchObject({
        changed: false,
        text: expect.stringContaining("cannot be changed from chat"),
      });
    }
    expect(writes).toHaveLength(1);
  });

  it("rejects prototype tricks before they reach the config", async () => {
    const { accessor, writes } = fakeAccessor(baseConfig);
    for (const text of [
      "/config set __proto__.x 1",
      '/config set a["__proto__"] 1',
      "/config set constructor.prototype.x 1",
    ]) {
      expect(parseChatCommand(text), text).toMatchObject({ name: "help" });
    }
    // Even a hand-built command (skipping the parser) is refused with a reply.
    for (const command of [
      { name: "config", action: "set", path: "__proto__.x", value: 1 },
      { name: "config", action: "set", path: "a", value: JSON.parse('{"__proto__":{"x":1}}') },
      { name: "config", action: "unset", path: "constructor" },
    ] as const) {
      const outcome = await runConfigCommand(command, context(accessor));
      expect(outcome, JSON.stringify(command)).toMatchObject({ kind: "reply", changed: false });
    }
    expect(writes).toHaveLength(0);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("refuses every spelling of a protected key (property)", async () => {
    const protectedKey = fc.constantFrom("cliPath", "dbPath", "remoteHost", "remote", "backend");
    const spelling = fc
      .tuple(
        protectedKey,
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.constantFrom("", "_", "-", "\u200B"),
      )
      .map(([key, upper, junk]) =>
        [...key]
          .map((ch, i) => (upper[i % upper.length] ? ch.toUpperCase() : ch.toLowerCase()))
          .join(junk === "" ? "" : junk),
      );
    const pathForm = fc.constantFrom(
      (k: string) => `channels.imessage.${k}`,
      (k: string) => `channels["imessage"][${JSON.stringify(k)}]`,
      (k: string) => `channels['imessage'].accounts.bot['${k}']`,
      (k: string) => `agents.list[0].${k}.type`,
    );
    await fc.assert(
      fc.asyncProperty(spelling, pathForm, async (key, form) => {
        const { accessor, writes } = fakeAccessor(baseConfig);
        const path = form(key);
        const command = parseChatCommand(`/config set ${path} 1`);
        expect(command?.name, path).toBe("config");
        if (command?.name !== "config") return;
        const outcome = await runConfigCommand(command, context(accessor));
        expect(outcome, path).toMatchObject({ changed: false });
        expect(writes).toHaveLength(0);
      }),
      { numRuns: 200 },
    );
  });

  it("allows ordinary keys", () => {
    expect(
      findProtectedConfigPath(parseConfigPath("channels.imessage.groups.42.requireMention"), PROTECTED),
    ).toBeUndefined();
    expect(
      findProtectedConfigPath(parseConfigPath("agents.list[0].identity.name"), PROTECTED),
    ).toBeUndefined();
    expect(findProtectedConfigPath(parseConfigPath("channels.imessage.cliPath"), PROTECTED)).toBe(
      "channels.imessage.cliPath",
    );
    expect(findProtectedConfigPath(parseConfigPath("gateway.http.port"), PROTECTED)).toBe("gateway");
  });

  it("knows no keys of its own: only what the channel and the gateway supply is refused", () => {
    expect(
      findProtectedConfigPath(parseConfigPath("channels.imessage.cliPath"), { keys: [] }),
    ).toBeUndefined();
    expect(findProtectedConfigPath(parseConfigPath("x.Secret_Thing"), { keys: ["secretThing"] })).toBe(
      "x.Secret_Thing",
    );
  });
});
