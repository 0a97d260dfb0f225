import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, outgoingRows, startGateway, waitFor } from "./harness/index.ts";

const OWNER = "+15550001111";
const STRANGER = "+15550009999";
const COMMENT = "who may talk to the bot (keep this comment)";

/**
 * Known gap: the gateway does not wire channel-core's `/config` chat commands (parseChatCommand +
 * runConfigCommand) into its pipeline yet — an authorised sender's `/config set …` reaches the agent as
 * plain text — and it has no comment-preserving JSON5 writer of its own (the CLI's json5-document is not
 * exported). The `it.skip` cases state the acceptance criteria; enable them when the wiring lands.
 */
describe("/config from chat (imsg 0.15)", () => {
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
      compat: "0.15",
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

  it.skip("an authorised sender changes a value: validated, written, comments kept", async () => {
    const reply = await ownerSays("/config set messages.responsePrefix [ok]");
    expect(reply).toContain("Config updated");
    const file = readFileSync(gateway.configPath, "utf8");
    expect(file).toContain(COMMENT);
    expect(file).toContain("[ok]");
    const validate = await gateway.cli(["config", "validate"]);
    expect(validate.code, validate.stderr).toBe(0);
  });

  it.skip("an invalid value is refused and the file is left as it was", async () => {
    const before = readFileSync(gateway.configPath, "utf8");
    const reply = await ownerSays("/config set channels.imessage.dmPolicy sometimes");
    expect(reply).toMatch(/invalid/i);
    expect(readFileSync(gateway.configPath, "utf8")).toBe(before);
  });

  it.skip("exec-relevant keys are refused even for the owner", async () => {
    const before = readFileSync(gateway.configPath, "utf8");
    for (const command of [
      "/config set channels.imessage.cliPath /bin/sh",
      '/config set agents.list[0].backend {"type":"exec","command":["/bin/sh"]}',
      "/config set gateway.http.host 0.0.0.0",
    ]) {
      expect(await ownerSays(command)).toContain("cannot be changed from chat");
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
