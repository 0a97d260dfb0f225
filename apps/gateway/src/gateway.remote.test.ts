import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@imgate/channel-core";
import { createSimDb, IMSG_BIN, injectMessage, waitFor } from "@imgate/imsg-sim/testing";
import { type SshdHarness, startSshd } from "@imgate/remote-ssh/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "./config/parse-gateway-config.ts";
import { type GatewayHandle, startGateway } from "./gateway.ts";
import { sentFiles, sentTexts } from "./testing/sim-chat.ts";

const FRIEND = "+15550002222";
const SELF = "me@icloud.com";

let sshd: SshdHarness;
let dir: string;
let dbPath: string;
let roots: string;
let gateway: GatewayHandle;

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), "imgate-gateway-remote-"));
  dbPath = createSimDb(dir);
  roots = join(dir, "Attachments");
  mkdirSync(roots, { recursive: true });
  const config = parseGatewayConfig({
    channels: {
      imessage: {
        remote: sshd.connectionConfig({ imsgPath: IMSG_BIN, dbPath }),
        dmPolicy: "allowlist",
        allowFrom: [FRIEND],
        includeAttachments: true,
        remoteAttachmentRoots: [roots],
      },
    },
    agents: { list: [{ id: "main", default: true, backend: { type: "echo" } }] },
    gateway: { http: { host: "127.0.0.1", port: 0 }, shutdownTimeoutMs: 5_000 },
  });
  gateway = await startGateway({
    config,
    stateDir: join(dir, "state"),
    logger: silentLogger,
    env: { ...process.env, IMGATE_TOKEN: "" },
  });
  await waitFor(() => (gateway.status().ready ? true : undefined), "the remote account to be ready", 30_000);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await sshd?.stop();
  // Set in beforeAll: undefined when it failed early; a second error here would hide the first.
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a remote account (channels.imessage.remote over a real sshd)", () => {
  it("fetches an inbound attachment over SFTP and the echo agent describes the fetched bytes", async () => {
    const bytes = Buffer.from("a photo, pretend\n".repeat(1000));
    const photo = join(roots, "photo one.jpg");
    writeFileSync(photo, bytes);
    const sent = injectMessage(dbPath, {
      from: FRIEND,
      text: "look at this",
      attachment: photo,
      selfHandle: SELF,
    });
    const reply = await waitFor(() => sentTexts(dbPath, sent.chatId)[0], "the reply", 30_000);
    expect(reply).toBe(
      `look at this\n[attachment photo one.jpg ${bytes.length} bytes sha256:${sha256(bytes)}]`,
    );
    expect(readFileSync(join(dir, "state", "media", "default", sent.guid, "photo one.jpg"))).toEqual(bytes);
    expect(gateway.status().accounts[0]).toMatchObject({ transport: "ssh", state: "running" });
  });

  it("refuses an attachment outside remoteAttachmentRoots: no line for it, the text is answered", async () => {
    const outside = join(dir, "secret.txt");
    writeFileSync(outside, "not for the agent");
    const sent = injectMessage(dbPath, {
      from: FRIEND,
      chatIdentifier: FRIEND,
      text: "and this",
      attachment: outside,
      selfHandle: SELF,
    });
    await waitFor(() => (sentTexts(dbPath, sent.chatId).includes("and this") ? true : undefined), "reply");
    expect(sentTexts(dbPath, sent.chatId).at(-1)).toBe("and this");
  });

  it("uploads a file sent with POST /v1/send to the Mac before imsg sends it", async () => {
    // stageUpload's default folder on the "Mac" (this machine's home over sshd); new folders are removed after.
    const staging = join(homedir(), "Library/Messages/Attachments/imgate-outbox");
    const before = new Set(existsSync(staging) ? readdirSync(staging) : []);
    const chat = injectMessage(dbPath, {
      from: FRIEND,
      chatIdentifier: FRIEND,
      text: "send me the report",
      selfHandle: SELF,
    });
    const file = join(dir, "report.pdf");
    writeFileSync(file, "%PDF-1.4 pretend");
    try {
      const response = await fetch(`${gateway.controlUrl}/v1/send`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ target: `chat_id:${chat.chatId}`, text: "here it is", file }),
      });
      expect(response.status).toBe(200);
      await waitFor(
        () => (sentFiles(dbPath, chat.chatId).includes("report.pdf") ? true : undefined),
        "the file",
      );
      expect(sentTexts(dbPath, chat.chatId)).toContain("here it is");
      const staged = readdirSync(staging).filter((entry) => !before.has(entry));
      expect(staged.map((entry) => readdirSync(join(staging, entry)))).toEqual([["report.pdf"]]);
    } finally {
      for (const entry of existsSync(staging) ? readdirSync(staging) : []) {
        if (!before.has(entry)) rmSync(join(staging, entry), { recursive: true, force: true });
      }
    }
  });
});
