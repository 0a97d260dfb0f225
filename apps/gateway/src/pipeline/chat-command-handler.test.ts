import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  chatCommandHelpText,
  createSqliteBackend,
  openStateStore,
  recordOutcome,
  type SqliteBackend,
  silentLogger,
  systemClock,
} from "@imgate/channel-core";
import { resolveAccounts } from "@imgate/imessage-channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import { parseJson5 } from "../config/json5-document.ts";
import { parseGatewayConfig } from "../config/parse-gateway-config.ts";
import {
  type ChatCommandHandler,
  type ChatCommandRequest,
  createChatCommandHandler,
} from "./chat-command-handler.ts";
import { type CoreServices, createCoreServices } from "./core-services.ts";

const FILE = `{
  // keep me
  commands: { config: true },
  channels: { imessage: { cliPath: "imsg", allowFrom: ["+15550001111"] } },
}
`;
const ROUTE = { agentId: "main", sessionKey: "agent:main:main" };

let dir: string;
let configPath: string;
let backend: SqliteBackend;
let core: CoreServices;
let config: GatewayConfig;
let handler: ChatCommandHandler;

const request = (text: string, overrides: Partial<ChatCommandRequest> = {}): ChatCommandRequest => ({
  text,
  account: resolveAccounts(config.channels.imessage)[0]!,
  senderAuthorized: true,
  configAuthorized: true,
  route: ROUTE,
  status: async () => ({
    accountId: "default",
    state: "running",
    transport: "local",
    imsgVersion: "0.15.0",
    restarts: 0,
  }),
  ...overrides,
});

const replyTo = async (text: string, overrides: Partial<ChatCommandRequest> = {}) => {
  const result = await handler.handle(request(text, overrides));
  if (result?.kind !== "reply") throw new Error(`expected a reply to ${text}, got ${JSON.stringify(result)}`);
  return result;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imgate-chat-commands-"));
  configPath = join(dir, "imgate.json5");
  writeFileSync(configPath, FILE);
  config = parseGatewayConfig(parseJson5(FILE));
  backend = createSqliteBackend(
    openStateStore({ path: join(dir, "state.db"), logger: silentLogger, clock: systemClock }),
  );
  core = createCoreServices(backend, silentLogger);
  handler = createChatCommandHandler({ core, getConfig: () => config, configPath, logger: silentLogger });
});
afterEach(async () => {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("createChatCommandHandler", () => {
  it("answers /help, and malformed commands with the error and the help", async () => {
    expect((await replyTo("/help")).text).toBe(chatCommandHelpText());
    const bad = await replyTo("/status now");
    expect(bad.text).toContain("/status takes no arguments.");
    expect(bad.text).toContain(chatCommandHelpText());
  });

  it("answers /status with the transport state, imsg version and session key", async () => {
    const { text } = await replyTo("/STATUS");
    expect(text).toContain("default: running (local transport, imsg 0.15.0)");
    expect(text).toContain(ROUTE.sessionKey);
  });

  it("/reset starts a new session only when the reply is recorded (apply)", async () => {
    const { sessions, history } = backend.stores;
    sessions.touchSession(ROUTE.sessionKey);
    history.append(ROUTE.sessionKey, { sender: "x", text: "old", messageId: "m1", timestamp: 1 }, 10);
    const result = await replyTo("/reset");
    expect(result.text).toContain("New session");
    expect(sessions.getSession(ROUTE.sessionKey)?.generation).toBe(0);
    await backend.commitOutcomes({
      accountId: "default",
      outcomes: [{ rowid: undefined, ops: recordOutcome((writer) => result.apply?.(writer)) }],
    });
    expect(sessions.getSession(ROUTE.sessionKey)?.generation).toBe(1);
    expect(history.load(ROUTE.sessionKey, 10)).toEqual([]);
  });

  it("lets a sender without an explicit allowFrom entry use /status but not /config", async () => {
    const stranger = { senderAuthorized: true, configAuthorized: false };
    expect((await handler.handle(request("/status", stranger)))?.kind).toBe("reply");
    for (const text of ["/config show", "/config set messages.responsePrefix x"]) {
      expect(await handler.handle(request(text, stranger))).toEqual({
        kind: "ignored",
        reason: "unauthorized",
      });
    }
    expect(readFileSync(configPath, "utf8")).toBe(FILE);
  });

  it("ignores every command of an unauthorised sender", async () => {
    for (const text of ["/help", "/status", "/reset", "/config show", "/config set a.b 1"]) {
      expect(await handler.handle(request(text, { senderAuthorized: false }))).toEqual({
        kind: "ignored",
        reason: "unauthorized",
      });
    }
    expect(readFileSync(configPath, "utf8")).toBe(FILE);
  });

  it("/config set writes the file in place; show reads it back, secrets redacted", async () => {
    const set = await replyTo("/config set messages.responsePrefix=[bot]");
    expect(set.text).toBe('⚙️ Config updated: messages.responsePrefix="[bot]"');
    const text = readFileSync(configPath, "utf8");
    expect(text).toContain("// keep me");
    expect(parseJson5(text)).toMatchObject({ messages: { responsePrefix: "[bot]" } });
    expect((await replyTo("/config get messages.responsePrefix")).text).toBe(
      '⚙️ messages.responsePrefix = "[bot]"',
    );
  });

  it("refuses protected keys, invalid results and disabled writes without touching the file", async () => {
    expect((await replyTo("/config set channels.imessage.CliPath /bin/sh")).text).toContain(
      "cannot be changed from chat",
    );
    expect((await replyTo("/config set channels.imessage.dmPolicy sometimes")).text).toMatch(
      /^⚠️ Config invalid after set \(channels\.imessage\.dmPolicy: /,
    );
    config = parseGatewayConfig({
      ...(parseJson5(FILE) as object),
      channels: { imessage: { configWrites: false } },
    });
    expect((await replyTo("/config set messages.responsePrefix x")).text).toBe(
      "⚠️ Config writes are disabled for imessage. Set channels.imessage.configWrites=true to enable.",
    );
    config = parseGatewayConfig({});
    expect((await replyTo("/config show")).text).toContain("/config is disabled");
    expect(readFileSync(configPath, "utf8")).toBe(FILE);
  });

  it("runs concurrent /config writes one at a time, so none is lost", async () => {
    const results = await Promise.all(
      ["a", "b", "c"].map((key) => handler.handle(request(`/config set channels.imessage.dms.${key} {}`))),
    );
    expect(results.map((result) => result?.kind === "reply" && result.text)).toEqual([
      "⚙️ Config updated: channels.imessage.dms.a={}",
      "⚙️ Config updated: channels.imessage.dms.b={}",
      "⚙️ Config updated: channels.imessage.dms.c={}",
    ]);
    expect(parseJson5(readFileSync(configPath, "utf8"))).toMatchObject({
      channels: { imessage: { dms: { a: {}, b: {}, c: {} } } },
    });
  });

  it("says /config needs a config file when the gateway runs without one", async () => {
    handler = createChatCommandHandler({ core, getConfig: () => config, logger: silentLogger });
    expect((await replyTo("/config show")).text).toContain("needs the gateway to run with a config file");
  });
});
