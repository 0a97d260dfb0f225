/**
 * Issue 10 item 7: a user's Moltbot/OpenClaw `moltbot.json` works as they expect — the gateway, the CLI's
 * `config validate` and imsg-sim as real child processes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COMPAT_MODES,
  createWorkspace,
  type GatewayProcess,
  injectMessage,
  runCli,
  startGateway,
  type Workspace,
  waitFor,
  writeConfigFile,
} from "./harness/index.ts";

const ALICE = "+15550001111";
const BOB = "+15550002222";
const CAROL = "+15550003333";
const DAVE = "+15550004444";

/** The shape of a real moltbot.json: other channels, models, agent defaults, the original gateway block. */
function moltbotJson(agent: Record<string, unknown>): Record<string, unknown> {
  return {
    meta: { lastTouchedVersion: "2026.1.30" },
    models: { providers: { anthropic: { baseUrl: "https://api.anthropic.com" } } },
    agents: {
      defaults: { model: { primary: "anthropic/claude-opus" }, workspace: "~/clawd" },
      list: [
        {
          id: "main",
          default: true,
          model: "anthropic/claude-opus",
          identity: { theme: "lobster" },
          ...agent,
        },
      ],
    },
    channels: {
      telegram: { enabled: true, dmPolicy: "pairing", botToken: "123456:ABC" },
      imessage: { dmPolicy: "open", allowFrom: ["*"] },
    },
    messages: { queue: { mode: "collect" } },
    gateway: { port: 18789, bind: "loopback", auth: { mode: "token", token: "not-a-real-token" } },
  };
}

const IGNORED = [
  "meta",
  "models",
  "agents.defaults",
  "agents.list[0].model",
  "agents.list[0].identity.theme",
  "channels.telegram",
  "messages.queue",
  "gateway.port",
  "gateway.bind",
  "gateway.auth",
];

describe("an original gateway's config file", () => {
  let workspace: Workspace;
  beforeAll(() => {
    workspace = createWorkspace();
  });
  afterAll(() => workspace.dispose());

  /** `imgate config validate --config <file>` for a config written into the workspace. */
  const validate = (config: object, name: string) => {
    const path = writeConfigFile(workspace.path(`${name}.json5`), config);
    return runCli(["config", "validate", "--config", path], { env: { HOME: workspace.home } });
  };

  it("starts the gateway, which names the ignored keys in one warning; it answers", async () => {
    const gateway = await startGateway({ config: moltbotJson({ backend: { type: "echo" } }) });
    try {
      const warnings = gateway.logs().filter((line) => line.level === 40 && line.msg.startsWith("config: "));
      expect(warnings).toHaveLength(1);
      // The harness writes its own keys first, so the file order differs from moltbotJson's.
      expect([...((warnings[0]?.ignoredKeys ?? []) as string[])].sort()).toEqual([...IGNORED].sort());
      expect(warnings[0]?.msg).toMatch(
        /^config: 10 keys of the original gateway's config are not used by imgate/,
      );
      const message = gateway.inject({ from: ALICE, text: "hi from a moltbot user" });
      await waitFor(() => gateway.outgoing(message.chatId).length === 1, { what: "the reply" });
      expect(gateway.outgoing(message.chatId)).toEqual(["hi from a moltbot user"]);
    } finally {
      await gateway.dispose();
    }
  });

  it("passes `imgate config validate` (exit 0) with the same warning, also as --json, and doctor shows it", async () => {
    const run = await validate(moltbotJson({ backend: { type: "echo" } }), "valid");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("is valid");
    expect(run.stderr.trim().split("\n")).toEqual([
      `warning: ${IGNORED.length} keys of the original gateway's config are not used by imgate and ignored: ${IGNORED.join(", ")}`,
    ]);
    const path = workspace.path("valid.json5");
    const json = await runCli(["config", "validate", "--json", "--config", path], {
      env: { HOME: workspace.home },
    });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, ignoredKeys: IGNORED, problems: [] });
    // `imgate doctor` lists the same line as a warning (its other checks do not matter here).
    const doctor = await runCli(["doctor", "--json", "--config", path], { env: { HOME: workspace.home } });
    const report = JSON.parse(doctor.stdout) as {
      checks: Array<{ id: string; status: string; detail: string }>;
    };
    const warnings = report.checks.filter((c) => c.id === "config" && c.status === "warn");
    expect(warnings.map((c) => c.detail)).toEqual([
      `${IGNORED.length} keys of the original gateway's config are not used by imgate and ignored: ${IGNORED.join(", ")}`,
    ]);
  });

  it("still refuses a misspelt imgate key with a suggestion (exit 2), and only that key", async () => {
    const config = moltbotJson({ backend: { type: "echo" } });
    (config.channels as Record<string, unknown>).imessage = { dmPolcy: "open", allowFrom: ["*"] };
    const run = await validate(config, "typo");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('channels.imessage.dmPolcy: unknown key; did you mean "dmPolicy"?');
    expect(run.stderr).not.toContain("channels.telegram:");
  });

  it("refuses an agent without a backend (exit 2), naming agents.list[0].backend and the choices", async () => {
    const config = moltbotJson({});
    const run = await validate(config, "no-backend");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("agents.list[0].backend: missing");
    expect(run.stderr).toContain('"echo", "openai", "exec", "webhook"');
    // The gateway refuses to start too (it never falls back to the echo agent).
    const gateway = await startGateway({ config: moltbotJson({}), waitReady: false });
    try {
      expect(await gateway.exited).toEqual({ code: 2, signal: null });
      expect(gateway.stderr).toContain("agents.list[0].backend");
    } finally {
      await gateway.dispose();
    }
  });

  it('refuses groups keys like "chat_id:2" (exit 2) and says what to write', async () => {
    const config = moltbotJson({ backend: { type: "echo" } });
    (config.channels as Record<string, unknown>).imessage = {
      groups: { "chat_id:2": { requireMention: false } },
    };
    const run = await validate(config, "groups");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'channels.imessage.groups["chat_id:2"]: groups keys are bare chat ids: write groups["2"] instead of groups["chat_id:2"]',
    );
  });
});

describe.each(COMPAT_MODES)("chat_id / chat_guid / chat_identifier allowlist entries (imsg %s)", (compat) => {
  let workspace: Workspace;
  let gateway: GatewayProcess;
  const chats: Record<string, number> = {};

  beforeAll(async () => {
    workspace = createWorkspace();
    // The conversations exist before the first start (which begins at the chat.db tail: these rows are
    // never answered), so their chat ids can go into the config.
    for (const from of [ALICE, BOB, CAROL, DAVE]) {
      chats[from] = injectMessage(workspace.dbPath, { from, text: "setup" }).chatId;
    }
    for (const id of ["chat555", "chat666", "chat777"]) {
      chats[id] = injectMessage(workspace.dbPath, {
        from: ALICE,
        text: "setup",
        chatIdentifier: id,
        group: true,
        participants: [BOB],
      }).chatId;
    }
    gateway = await startGateway({
      compat,
      workspace,
      config: {
        channels: {
          imessage: {
            dmPolicy: "allowlist",
            allowFrom: [`chat_id:${chats[ALICE]}`, `chat_guid:iMessage;-;${BOB}`, `chat_identifier:${CAROL}`],
            groupPolicy: "allowlist",
            groupAllowFrom: ["chat_guid:iMessage;+;chat555", "chat_identifier:chat666"],
            groups: { "*": { requireMention: false } },
          },
        },
      },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    workspace.dispose();
  });

  it("admits each listed DM and group, and no other", async () => {
    // The unlisted ones first: the watch handles rows in order, so they are decided before the replies below.
    gateway.inject({ from: DAVE, text: "not listed" });
    gateway.inject({ from: BOB, text: "group not listed", chatIdentifier: "chat777", group: true });
    for (const from of [ALICE, BOB, CAROL]) gateway.inject({ from, text: `dm from ${from}` });
    gateway.inject({ from: BOB, text: "in chat555", chatIdentifier: "chat555", group: true });
    gateway.inject({ from: BOB, text: "in chat666", chatIdentifier: "chat666", group: true });
    const expected: Array<[number, string]> = [
      [chats[ALICE] as number, `dm from ${ALICE}`],
      [chats[BOB] as number, `dm from ${BOB}`],
      [chats[CAROL] as number, `dm from ${CAROL}`],
      [chats.chat555 as number, "in chat555"],
      [chats.chat666 as number, "in chat666"],
    ];
    for (const [chatId, text] of expected) {
      await waitFor(() => gateway.outgoing(chatId).length > 0, { what: `the reply to "${text}"` });
      expect(gateway.outgoing(chatId)).toEqual([text]);
    }
    const dropped = (reason: string) =>
      gateway.metric("imgate_messages_dropped_total", { account: "default", reason });
    await waitFor(async () => (await dropped("dm-not-allowed")) === 1, { what: "the unlisted DM dropped" });
    await waitFor(async () => (await dropped("group-sender-not-allowed")) === 1, {
      what: "the unlisted group dropped",
    });
    expect(gateway.outgoing(chats[DAVE] as number)).toEqual([]);
    expect(gateway.outgoing(chats.chat777 as number)).toEqual([]);
  });
});
