import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSimDb, IMSG_BIN, injectMessage, waitFor } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "./config/parse-gateway-config.ts";
import type { GatewayHandle } from "./gateway.ts";
import {
  type LoopbackServer,
  type ReceivedRequest,
  sendJson,
  startLoopbackServer,
} from "./testing/loopback-server.ts";
import { sentTexts } from "./testing/sim-chat.ts";
import { startSimGateway } from "./testing/start-sim-gateway.ts";

/**
 * Issue 14 through the whole gateway: imsg-sim as a child process, the turn going to a real loopback
 * OpenAI-compatible server that records every request.
 */

const ALICE = "+15550001111";
const BOB = "+15550002222";
const SELF = "bot@icloud.com";

let dir: string | undefined;
let dbPath: string;
let server: LoopbackServer | undefined;
let gateway: GatewayHandle | undefined;
/** Groups created before the gateway starts, so the config can name their chat ids. */
const SPECIFIC = { chatIdentifier: "chat-specific", group: true, name: "Specific", participants: [BOB] };
const SILENT = { chatIdentifier: "chat-silent", group: true, name: "Silent", participants: [BOB] };
let specificId = 0;
let silentId = 0;

type ChatBody = { model: string; messages: Array<{ role: string; content: unknown }> };

const chats = (): ChatBody[] =>
  (server?.requests ?? []).filter((r) => r.url.endsWith("/chat/completions")).map((r) => JSON.parse(r.body));

/** The chat request whose last user message mentions `marker`. */
function requestWith(marker: string): ChatBody | undefined {
  return chats().find((body) => JSON.stringify(body.messages.at(-1)?.content).includes(marker));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "imgate-agent-sees-"));
  dbPath = createSimDb(dir);
  specificId = injectMessage(dbPath, { from: BOB, text: "setting up", selfHandle: SELF, ...SPECIFIC }).chatId;
  silentId = injectMessage(dbPath, { from: BOB, text: "setting up", selfHandle: SELF, ...SILENT }).chatId;
  let replies = 0;
  server = await startLoopbackServer((request, response) => {
    if (request.url.endsWith("/audio/transcriptions"))
      return sendJson(response, 200, { text: "bring the tent" });
    replies += 1;
    return sendJson(response, 200, {
      choices: [{ message: { role: "assistant", content: `reply ${replies}` } }],
    });
  });
  const config = parseGatewayConfig({
    channels: {
      imessage: {
        cliPath: IMSG_BIN,
        dbPath,
        dmPolicy: "allowlist",
        allowFrom: [ALICE, BOB],
        groupPolicy: "open",
        includeAttachments: true,
        groups: {
          "*": { requireMention: true, systemPrompt: "Groups: keep it short." },
          [String(specificId)]: { systemPrompt: "Specific: talk about routes." },
          [String(silentId)]: { systemPrompt: "" },
        },
      },
    },
    agents: {
      list: [
        {
          id: "main",
          default: true,
          // No mentionPatterns anywhere: the name and emoji are the patterns.
          identity: { name: "Molty", emoji: "🦞" },
          backend: {
            type: "openai",
            baseUrl: `${server.url}/v1`,
            model: "vision-model",
            system: "You are Molty.",
            vision: true,
            transcription: { model: "whisper-1" },
            maxRetries: 0,
          },
        },
      ],
    },
    gateway: { http: { host: "127.0.0.1", port: 0 }, shutdownTimeoutMs: 5_000 },
  });
  gateway = await startSimGateway({ config, stateDir: join(dir, "state"), self: SELF });
});

afterAll(async () => {
  await gateway?.stop();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("what the agent sees (issue 14)", () => {
  it("a photo reaches the model as a data URL of exactly the file's bytes", async () => {
    const photo = join(dir as string, "sunset.png");
    const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from("pixels-of-a-sunset")]);
    writeFileSync(photo, bytes);
    const sent = injectMessage(dbPath, {
      from: ALICE,
      text: "look at this",
      attachment: photo,
      selfHandle: SELF,
    });
    await waitFor(
      () => (sentTexts(dbPath, sent.chatId).length >= 1 ? true : undefined),
      "the reply to the photo",
    );
    const user = requestWith("look at this")?.messages.at(-1);
    const parts = user?.content as Array<{ type: string; text?: string; image_url?: { url: string } }>;
    expect(parts[0]?.type).toBe("text");
    expect(parts[1]).toEqual({
      type: "image_url",
      image_url: { url: `data:image/png;base64,${bytes.toString("base64")}` },
    });
  });

  it("a voice memo is transcribed via multipart and the transcript reaches the model", async () => {
    const memo = join(dir as string, "Audio Message.caf");
    const bytes = Buffer.from("caff\u0000\u0001voice-memo-bytes");
    writeFileSync(memo, bytes);
    const sent = injectMessage(dbPath, { from: BOB, attachment: memo, audio: true, selfHandle: SELF });
    await waitFor(
      () => (sentTexts(dbPath, sent.chatId).length >= 1 ? true : undefined),
      "the reply to the memo",
    );
    const upload = server?.requests.find((r) => r.url === "/v1/audio/transcriptions") as ReceivedRequest;
    const form = await new Request("http://x/", {
      method: "POST",
      headers: { "content-type": String(upload.headers["content-type"]) },
      body: upload.raw,
    }).formData();
    const file = form.get("file") as File;
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
    expect(form.get("model")).toBe("whisper-1");
    expect(requestWith("[Voice memo transcript] bring the tent")).toBeDefined();
    // The next turn's history knows what the memo said, not just that there was one.
    injectMessage(dbPath, { from: BOB, text: "did you get my memo?", selfHandle: SELF });
    await waitFor(() => (sentTexts(dbPath, sent.chatId).length >= 2 ? true : undefined), "the next reply");
    const history = requestWith("did you get my memo?")?.messages.slice(1, -1) ?? [];
    // DMs share the main session (dmScope "main"): each entry is labelled with its own sender.
    const memoEntry = history.find((m) => String(m.content).includes("bring the tent"));
    expect(memoEntry?.content).toMatch(
      /^\[iMessage \+15550002222 [^\]]+\] \[audio Audio Message\.caf\]\n\[Voice memo transcript\] bring the tent$/,
    );
  });

  it("a memo with Apple's transcript is not sent for transcription again", async () => {
    const memo = join(dir as string, "Apple Memo.caf");
    writeFileSync(memo, "caff-apple");
    const before = server?.requests.filter((r) => r.url.includes("transcriptions")).length;
    const sent = injectMessage(dbPath, {
      from: ALICE,
      attachment: memo,
      audio: "meet at the north gate",
      selfHandle: SELF,
    });
    await waitFor(
      () => (requestWith("[Voice memo transcript] meet at the north gate") ? true : undefined),
      "the turn with Apple's transcript",
    );
    expect(sent.chatId).toBeGreaterThan(0);
    expect(server?.requests.filter((r) => r.url.includes("transcriptions")).length).toBe(before);
  });

  it("in a group: mention by name with no patterns configured, the group's prompt, each message once", async () => {
    const group = { chatIdentifier: "chat777", group: true, name: "Climbers", participants: [BOB] };
    injectMessage(dbPath, { from: ALICE, text: "first unmentioned line", selfHandle: SELF, ...group });
    injectMessage(dbPath, { from: BOB, text: "second unmentioned line", selfHandle: SELF, ...group });
    const asked = injectMessage(dbPath, {
      from: ALICE,
      text: "molty, what do you think?",
      selfHandle: SELF,
      ...group,
    });
    await waitFor(() => (sentTexts(dbPath, asked.chatId).length >= 1 ? true : undefined), "the group reply");
    const body = requestWith("what do you think?") as ChatBody;
    expect(body.messages[0]).toEqual({ role: "system", content: "You are Molty.\n\nGroups: keep it short." });
    const all = JSON.stringify(body.messages);
    expect(all.split("first unmentioned line").length - 1).toBe(1);
    expect(all.split("second unmentioned line").length - 1).toBe(1);
    // The emoji counts as a mention too; the previous exchange is now history, once.
    injectMessage(dbPath, { from: BOB, text: "🦞 and you?", selfHandle: SELF, ...group });
    await waitFor(() => (sentTexts(dbPath, asked.chatId).length >= 2 ? true : undefined), "the emoji reply");
    const next = JSON.stringify(requestWith("and you?")?.messages);
    expect(next.split("first unmentioned line").length - 1).toBe(1);
    expect(next.split("what do you think?").length - 1).toBe(1);
  });

  it('per-group prompts: the group\'s own wins, "" suppresses the wildcard, DMs get none', async () => {
    const specific = injectMessage(dbPath, {
      from: ALICE,
      text: "molty: specific?",
      selfHandle: SELF,
      ...SPECIFIC,
    });
    const silent = injectMessage(dbPath, {
      from: ALICE,
      text: "molty: silent?",
      selfHandle: SELF,
      ...SILENT,
    });
    const dm = injectMessage(dbPath, { from: ALICE, text: "a plain DM question", selfHandle: SELF });
    for (const { chatId } of [specific, silent, dm]) {
      await waitFor(
        () => (sentTexts(dbPath, chatId).length >= 1 ? true : undefined),
        `a reply in chat ${chatId}`,
      );
    }
    expect(specific.chatId).toBe(specificId);
    const systemOf = (marker: string) => requestWith(marker)?.messages[0];
    expect(systemOf("specific?")).toEqual({
      role: "system",
      content: "You are Molty.\n\nSpecific: talk about routes.",
    });
    expect(systemOf("silent?")).toEqual({ role: "system", content: "You are Molty." });
    expect(systemOf("a plain DM question")).toEqual({ role: "system", content: "You are Molty." });
  });

  it("an unmentioned group message gets no answer and no model call", async () => {
    const group = { chatIdentifier: "chat888", group: true, name: "Quiet", participants: [BOB] };
    const calls = chats().length;
    const quiet = injectMessage(dbPath, {
      from: ALICE,
      text: "moltybot is a different word",
      selfHandle: SELF,
      ...group,
    });
    const loud = injectMessage(dbPath, { from: ALICE, text: "Hey MOLTY!", selfHandle: SELF, ...group });
    await waitFor(
      () => (sentTexts(dbPath, loud.chatId).length >= 1 ? true : undefined),
      "the reply to the mention",
    );
    expect(quiet.chatId).toBe(loud.chatId);
    expect(chats().length).toBe(calls + 1);
    expect(JSON.stringify(chats().at(-1)?.messages)).toContain("moltybot is a different word");
  });
});
