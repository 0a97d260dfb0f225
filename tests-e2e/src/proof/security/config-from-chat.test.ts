import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, startGateway, waitFor } from "../../harness/index.ts";

const OWNER = "+15550006001";

// Keys that decide what imgate executes or where it connects, spelled with case, bracket, quote and
// Unicode tricks. None may change from chat, even for the owner with commands.config on.
const ATTEMPTS = [
  "/config set channels.imessage.cliPath /tmp/evil-imsg",
  "/config set channels.imessage.CLIPATH /tmp/evil-imsg",
  '/config set channels["imessage"]["cliPath"] /tmp/evil-imsg',
  "/config set channels['imessage'].cliPath /tmp/evil-imsg",
  '/config set channels.imessage."cliPath" /tmp/evil-imsg',
  "/config set channels.imessage.cli_path /tmp/evil-imsg",
  "/config set channels.imessage.ｃｌｉＰａｔｈ /tmp/evil-imsg",
  "/config set channels.imessage.cliPath=/tmp/evil-imsg",
  "/config set channels.imessage.accounts.evil.cliPath /tmp/evil-imsg",
  '/config set channels.imessage {"cliPath":"/tmp/evil-imsg"}',
  '/config set channels {"imessage":{"cliPath":"/tmp/evil-imsg"}}',
  "/config unset channels.imessage.cliPath",
  "/config set channels.imessage.dbPath /etc/passwd",
  "/config set channels.imessage.remoteHost evil@attacker",
  "/config set channels.imessage.REMOTEHOST evil@attacker",
  "/config set channels.imessage.remote.host attacker.example",
  '/config set channels.imessage.remote {"host":"attacker.example","imsgPath":"/bin/sh"}',
  "/config set channels.imessage.remote.imsgPath /bin/sh",
  '/config set channels.imessage.remoteAttachmentRoots ["/"]',
  '/config set agents.list[0].backend {"type":"exec","command":["/bin/sh","-c","id"]}',
  "/config set agents.list.0.backend.type exec",
  '/config set agents.list[0]["Backend"] {"type":"exec","command":["id"]}',
  '/config set agents.list [{"id":"main","default":true,"backend":{"type":"exec","command":["id"]}}]',
  '/config set agents {"list":[{"id":"x","backend":{"type":"exec","command":["id"]}}]}',
  "/config set gateway.http.host 0.0.0.0",
  "/config set gateway.http.tokenEnv PATH",
  "/CONFIG SET channels.imessage.cliPath /tmp/evil-imsg",
];

describe("security: exec-relevant config keys from chat", () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({
      config: {
        commands: { config: true },
        channels: { imessage: { dmPolicy: "allowlist", allowFrom: [OWNER], configWrites: true } },
      },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("are refused whatever the spelling, while a harmless key can be set", async () => {
    const before = readFileSync(gateway.configPath, "utf8");
    let chatId = 0;
    for (const text of ATTEMPTS) chatId = gateway.inject({ from: OWNER, text }).chatId;
    await waitFor(() => gateway.outgoing(chatId).length >= ATTEMPTS.length, {
      what: "an answer to every attempt",
    });
    const after = readFileSync(gateway.configPath, "utf8");
    expect(after).toBe(before);
    expect(after).not.toContain("evil");
    // The refusals are not an artefact of writes being off: a harmless key does change.
    gateway.inject({ from: OWNER, text: "/config set channels.imessage.textChunkLimit 3000" });
    await waitFor(() => readFileSync(gateway.configPath, "utf8").includes("3000"), {
      what: "the harmless config write",
    });
    expect(readFileSync(gateway.configPath, "utf8")).not.toContain("evil");
  });
});
