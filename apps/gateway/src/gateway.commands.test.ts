import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { chatCommandHelpText } from "@imgate/channel-core";
import { createSimDb, IMSG_BIN, injectMessage, waitFor } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "./config/load-config.ts";
import type { GatewayHandle } from "./gateway.ts";
import { sentTexts } from "./testing/sim-chat.ts";
import { startSimGateway } from "./testing/start-sim-gateway.ts";

const OWNER = "+15550001111";
const MEMBER = "+15550002222";
const SELF = "bot@icloud.com";

let dir: string;
let dbPath: string;
let configPath: string;
let gateway: GatewayHandle;

/** Injects `text` from `from` and waits until what the bot sent into that chat since satisfies `until`. */
async function say(
  text: string,
  options: { group?: boolean; until?: (sent: string[]) => boolean } = {},
): Promise<{ chatId: number; sent: string[] }> {
  const group = options.group
    ? { chatIdentifier: "chat777", group: true, name: "Team", participants: [OWNER, MEMBER] }
    : {};
  const message = injectMessage(dbPath, { from: OWNER, text, selfHandle: SELF, ...group });
  const before = sentTexts(dbPath, message.chatId).length;
  const until = options.until ?? ((sent: string[]) => sent.length >= 1);
  const sent = await waitFor(() => {
    const now = sentTexts(dbPath, message.chatId).slice(before);
    return until(now) ? now : undefined;
  }, `the answer to ${text}`);
  return { chatId: message.chatId, sent };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "imgate-gateway-commands-"));
  dbPath = createSimDb(dir);
  configPath = join(dir, "imgate.json5");
  writeFileSync(
    configPath,
    `{
  // chat commands on; the owner may run them
  commands: { config: true },
  channels: { imessage: {
    cliPath: ${JSON.stringify(IMSG_BIN)}, dbPath: ${JSON.stringify(dbPath)},
    dmPolicy: "allowlist", allowFrom: [${JSON.stringify(OWNER)}],
    groupPolicy: "open", groups: { "*": { requireMention: true } },
    textChunkLimit: 200,
  } },
  agents: { list: [{ id: "main", default: true, groupChat: { mentionPatterns: ["@bot"] }, backend: { type: "echo" } }] },
  gateway: { http: { host: "127.0.0.1", port: 0 }, shutdownTimeoutMs: 5000 },
}
`,
  );
  gateway = await startSimGateway({
    config: (await loadConfig({ path: configPath })).config,
    configPath,
    configDebounceMs: 50,
    stateDir: join(dir, "state"),
    self: SELF,
  });
});

afterAll(async () => {
  await gateway?.stop();
  // Set in beforeAll: undefined when it failed early; a second error here would hide the first.
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("chat commands through the pipeline", () => {
  it("answers /status in the same chat instead of the agent", async () => {
    const { sent } = await say("/status");
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^📊 imgate status\nAccount default: running \(local transport, imsg 0\.15/);
    expect(sent[0]).toContain("Session: agent:main:main");
  });

  it("/reset starts a new session and says so; the next message goes to the agent again", async () => {
    const { chatId } = await say("remember this");
    const { sent } = await say("/reset");
    expect(sent).toEqual(["🔄 New session started for main; earlier messages are forgotten."]);
    const state = new DatabaseSync(join(dir, "state", "state.db"), { readOnly: true });
    try {
      const row = state
        .prepare("SELECT generation FROM sessions WHERE session_key = ?")
        .get("agent:main:main");
      expect(row).toEqual({ generation: 1 });
      const history = state
        .prepare("SELECT COUNT(*) AS n FROM history WHERE session_key = ?")
        .get("agent:main:main");
      expect(history).toEqual({ n: 0 });
    } finally {
      state.close();
    }
    await say("after reset");
    expect(sentTexts(dbPath, chatId).slice(-3)).toEqual([
      "remember this",
      "🔄 New session started for main; earlier messages are forgotten.",
      "after reset",
    ]);
  });

  it("chunks a long answer like any reply (/config show with textChunkLimit 200)", async () => {
    const { sent } = await say("/config show", {
      until: (now) => now.at(-1)?.trimEnd().endsWith("}") === true,
    });
    expect(sent.length).toBeGreaterThan(1);
    expect(sent[0]).toMatch(/^⚙️ Config:/);
    expect(sent.every((chunk) => chunk.length <= 200)).toBe(true);
    expect(sent.join("")).toContain('"dmPolicy": "allowlist"');
  });

  it("in a group, answers an authorised /help without a mention and drops a member's", async () => {
    const last = chatCommandHelpText().split("\n").at(-1) as string;
    const { chatId, sent } = await say("/help", {
      group: true,
      until: (now) => now.at(-1)?.endsWith(last) === true,
    });
    expect(sent.join("\n").replace(/\s+/g, " ")).toBe(chatCommandHelpText().replace(/\s+/g, " "));
    const before = sentTexts(dbPath, chatId).length;
    injectMessage(dbPath, {
      from: MEMBER,
      text: "/help",
      selfHandle: SELF,
      chatIdentifier: "chat777",
      group: true,
      participants: [OWNER, MEMBER],
    });
    // A later authorised message is answered; the member's command before it never is.
    await say("@bot ping", { group: true });
    expect(sentTexts(dbPath, chatId).slice(before)).toEqual(["@bot ping"]);
  });

  it("drops a DM command from a sender outside allowFrom silently (file untouched, no reply)", async () => {
    const before = readFileSync(configPath, "utf8");
    const stranger = injectMessage(dbPath, {
      from: MEMBER,
      text: "/config set messages.responsePrefix [pwned]",
      selfHandle: SELF,
    });
    await waitFor(
      () =>
        /imgate_messages_dropped_total\{account="default",reason="dm-not-allowed"\} 1/.test(
          gateway.metrics.registry.render(),
        )
          ? true
          : undefined,
      "the stranger's command to be dropped",
    );
    expect(sentTexts(dbPath, stranger.chatId)).toEqual([]);
    expect(readFileSync(configPath, "utf8")).toBe(before);
  });

  it("/config set writes the file (comment kept) and the config reload applies it", async () => {
    const { sent } = await say("/config set messages.responsePrefix [bot]");
    expect(sent).toEqual(['⚙️ Config updated: messages.responsePrefix="[bot]"']);
    expect(readFileSync(configPath, "utf8")).toContain("// chat commands on; the owner may run them");
    await waitFor(async () => {
      const { sent: echoed } = await say("prefixed?");
      return echoed[0] === "[bot] prefixed?" ? true : undefined;
    }, "the reloaded prefix");
  });
});
