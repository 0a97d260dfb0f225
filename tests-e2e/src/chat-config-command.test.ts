import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPAT_MODES, type GatewayProcess, outgoingRows, startGateway, waitFor } from "./harness/index.ts";

const OWNER = "+15550001111";
const STRANGER = "+15550009999";
const COMMENT = "who may talk to the bot (keep this comment)";

/**
 * `/config` from chat, end to end: the gateway (a real process over imsg-sim) answers an authorised
 * sender's command itself — editing the JSON5 file in place, validating the whole result, refusing
 * exec-relevant keys — and drops another sender's silently.
 */
describe.each(COMPAT_MODES)("/config from chat (imsg %s)", (compat) => {
  let gateway: GatewayProcess;
  let ownerChat: number;

  /** Sends `text` as the owner and returns the bot's next reply in the owner's DM. */
  async function ownerSays(text: string): Promise<string> {
    const before = ownerChat ? gateway.outgoing(ownerChat).length : 0;
    const message = gateway.inject({ from: OWNER, text });
    ownerChat = message.chatId;
    return waitFor(() => gateway.outgoing(ownerChat)[before], { what: `the reply to ${text}` });
  }

  beforeAll(async () => {
    gateway = await startGateway({
      compat,
      config: {
        commands: { config: true },
        channels: {
          imessage: {
            dmPolicy: "allowlist",
            allowFrom: [OWNER],
            groupPolicy: "open",
            groups: { "*": { requireMention: false } },
          },
        },
      },
      comments: { "channels.imessage.dmPolicy": COMMENT },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("an authorised sender changes a value: validated, written, comments kept", async () => {
    const reply = await ownerSays("/config set messages.responsePrefix [ok]");
    expect(reply).toContain("Config updated");
    const file = readFileSync(gateway.configPath, "utf8");
    expect(file).toContain(COMMENT);
    expect(file).toContain("[ok]");
    const validate = await gateway.cli(["config", "validate"]);
    expect(validate.code, validate.stderr).toBe(0);
    // The gateway's config reload applies the written file: the agent's next reply carries the prefix,
    // and the command itself was answered exactly once and never reached the (echo) agent.
    await gateway.waitForLog((line) => line.msg === "config reloaded", { what: "the config reload" });
    const before = gateway.outgoing(ownerChat).length;
    expect(await ownerSays("hello")).toBe("[ok] hello");
    expect(gateway.outgoing(ownerChat).slice(before - 1)).toEqual([reply, "[ok] hello"]);
  });

  it("an invalid value is refused and the file is left as it was", async () => {
    const before = readFileSync(gateway.configPath, "utf8");
    const reply = await ownerSays("/config set channels.imessage.dmPolicy sometimes");
    expect(reply).toMatch(/invalid/i);
    expect(readFileSync(gateway.configPath, "utf8")).toBe(before);
  });

  it("exec-relevant keys are refused even for the owner", async () => {
    const before = readFileSync(gateway.configPath, "utf8");
    for (const command of [
      "/config set channels.imessage.cliPath /bin/sh",
      '/config set agents.list[0].backend {"type":"exec","command":["/bin/sh"]}',
      '/config set agents.list[0].backend.command ["/bin/sh"]',
      "/config set channels.imessage.remote.host evil.example",
      "/config set gateway.http.host 0.0.0.0",
      // Spelling tricks: case, brackets, quotes, separators, a whole section that contains a protected key.
      "/config set channels.imessage.CLIPATH /bin/sh",
      '/config set channels["imessage"]["cli_path"] /bin/sh',
      "/config set channels.imessage['Remote'].host evil.example",
      '/config set agents["list"][0]["BackEnd"]["command"] ["/bin/sh"]',
      '/config set channels.imessage {"cliPath":"/bin/sh"}',
      "/config unset channels.imessage.cliPath",
    ]) {
      expect(await ownerSays(command), command).toContain("cannot be changed from chat");
    }
    expect(readFileSync(gateway.configPath, "utf8")).toBe(before);
  });

  it("another sender's /config is dropped silently", async () => {
    const before = readFileSync(gateway.configPath, "utf8");
    const sent = outgoingRows(gateway.dbPath).length;
    gateway.inject({
      from: STRANGER,
      text: "/config set messages.responsePrefix [pwned]",
      chatIdentifier: "chat300",
      group: true,
      participants: [OWNER],
    });
    await waitFor(
      async () =>
        (await gateway.metric("imgate_messages_dropped_total", {
          reason: "control-command-unauthorized",
        })) === 1,
      { what: "the unauthorised command to be dropped" },
    );
    expect(outgoingRows(gateway.dbPath)).toHaveLength(sent);
    expect(readFileSync(gateway.configPath, "utf8")).toBe(before);
  });
});
