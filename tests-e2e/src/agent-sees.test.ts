import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createWebhookVerifier } from "@imgate/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COMPAT_MODES,
  createWorkspace,
  type GatewayProcess,
  type LoopbackServer,
  type ReceivedRequest,
  repoRoot,
  sendJson,
  startGateway,
  startLoopbackServer,
  type Workspace,
  waitFor,
} from "./harness/index.ts";

/**
 * Issue 14 at the process level: the gateway as a child process over imsg-sim, an OpenAI-compatible server
 * with vision and transcription, and a webhook receiver, all on loopback and recording every request.
 */

const ALICE = "+15550001111"; // → openai (vision, transcription)
const BOB = "+15550002222"; // → webhook
const SECRET = "webhook-secret-for-agent-sees";
const HEIC = readFileSync(join(repoRoot, "apps/gateway/src/agents/__fixtures__/photo.heic"));

type Part = { type: string; text?: string; image_url?: { url: string } };
type ChatBody = { messages: Array<{ role: string; content: string | Part[] }> };

describe.each(COMPAT_MODES)("what the agent sees (imsg %s)", (compat) => {
  let workspace: Workspace;
  let openai: LoopbackServer;
  let webhook: LoopbackServer;
  let gateway: GatewayProcess;

  const chatBodies = () =>
    openai.requests
      .filter((r) => r.url === "/v1/chat/completions")
      .map((r) => JSON.parse(r.body) as ChatBody);

  /** Writes a file into the workspace (the sim's Mac) and returns its path. */
  const file = (name: string, bytes: Uint8Array) => {
    const path = workspace.path(name);
    writeFileSync(path, bytes);
    return path;
  };

  beforeAll(async () => {
    workspace = createWorkspace();
    openai = await startLoopbackServer((request, response, index) => {
      if (request.url === "/v1/audio/transcriptions")
        return sendJson(response, 200, { text: "pick up bread" });
      return sendJson(response, 200, {
        choices: [{ index: 0, message: { role: "assistant", content: `seen ${index}` } }],
      });
    });
    const verifier = createWebhookVerifier({ secret: SECRET });
    webhook = await startLoopbackServer((request, response) => {
      verifier.verify(request);
      sendJson(response, 200, { text: "hook saw it" });
    });
    gateway = await startGateway({
      compat,
      workspace,
      env: { TEST_WEBHOOK_SECRET: SECRET },
      config: {
        channels: { imessage: { dmPolicy: "allowlist", allowFrom: [ALICE, BOB], includeAttachments: true } },
        agents: {
          list: [
            { id: "main", default: true, backend: { type: "echo" } },
            {
              id: "eyes",
              backend: {
                type: "openai",
                baseUrl: `${openai.url}/v1`,
                model: "vision-model",
                vision: true,
                transcription: { model: "whisper-1" },
                maxRetries: 0,
              },
            },
            {
              id: "hook",
              backend: { type: "webhook", url: `${webhook.url}/turn`, secretEnv: "TEST_WEBHOOK_SECRET" },
            },
          ],
        },
        bindings: [
          { agentId: "eyes", match: { channel: "imessage", peer: { kind: "dm", id: ALICE } } },
          { agentId: "hook", match: { channel: "imessage", peer: { kind: "dm", id: BOB } } },
        ],
      },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    await openai?.close();
    await webhook?.close();
    workspace?.dispose();
  });

  it("a PNG reaches the model as a data URL of exactly the file's bytes; a HEIC photo as a JPEG", async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from("e2e"),
    ]);
    const first = gateway.inject({ from: ALICE, text: "what is this", attachment: file("chart.png", png) });
    await waitFor(() => gateway.outgoing(first.chatId).length === 1, { what: "the answer to the PNG" });
    gateway.inject({ from: ALICE, text: "", attachment: file("IMG_0001.heic", HEIC) });
    await waitFor(() => gateway.outgoing(first.chatId).length === 2, {
      what: "the answer to the HEIC photo",
    });

    const [pngTurn, heicTurn] = chatBodies();
    const pngParts = pngTurn?.messages.at(-1)?.content as Part[];
    expect(pngParts[1]).toEqual({
      type: "image_url",
      image_url: { url: `data:image/png;base64,${png.toString("base64")}` },
    });
    const heicParts = heicTurn?.messages.at(-1)?.content as Part[];
    const jpeg = heicParts[1]?.image_url?.url ?? "";
    expect(jpeg.startsWith("data:image/jpeg;base64,")).toBe(true);
    // A JPEG (SOI marker), not the HEIC bytes passed through.
    expect(Buffer.from(jpeg.split(",")[1] ?? "", "base64").subarray(0, 3)).toEqual(
      Buffer.from([0xff, 0xd8, 0xff]),
    );
    // The history keeps a placeholder for the first photo, never its bytes.
    const history = JSON.stringify(heicTurn?.messages.slice(0, -1));
    expect(history).toContain("[image chart.png]");
    expect(history).not.toContain(png.toString("base64"));
  });

  it("a voice memo is transcribed via multipart and the transcript reaches the model", async () => {
    const memo = Buffer.concat([
      Buffer.from("caff"),
      Buffer.from(Uint8Array.from({ length: 64 }, (_, i) => i)),
    ]);
    const sent = gateway.inject({ from: ALICE, attachment: file("Audio Message.caf", memo), audio: true });
    await waitFor(() => chatBodies().some((b) => JSON.stringify(b).includes("pick up bread")), {
      what: "the turn with the transcript",
    });
    expect(sent.chatId).toBeGreaterThan(0);
    const upload = openai.requests.find((r) => r.url === "/v1/audio/transcriptions") as ReceivedRequest;
    const form = await new Request("http://x/", {
      method: "POST",
      headers: { "content-type": String(upload.headers["content-type"]) },
      body: upload.raw,
    }).formData();
    expect(form.get("model")).toBe("whisper-1");
    expect(Buffer.from(await (form.get("file") as File).arrayBuffer()).equals(memo)).toBe(true);
    const last = chatBodies().at(-1)?.messages.at(-1)?.content;
    expect(last).toContain("[Voice memo transcript] pick up bread");
  });

  it("a webhook turn carries each attachment's local path, MIME type, size and sha256", async () => {
    const bytes = Buffer.from("a photo for the hook");
    const sent = gateway.inject({ from: BOB, text: "for you", attachment: file("hook.jpg", bytes) });
    await waitFor(() => gateway.outgoing(sent.chatId).length === 1, { what: "the webhook answer" });
    const turn = JSON.parse((webhook.requests[0] as ReceivedRequest).body) as {
      attachments: Array<{
        name: string;
        mimeType: string;
        sizeBytes: number;
        localPath: string;
        sha256: string;
      }>;
    };
    expect(turn.attachments).toEqual([
      {
        name: "hook.jpg",
        mimeType: "image/jpeg",
        sizeBytes: bytes.length,
        localPath: expect.any(String),
        sha256: createHash("sha256").update(bytes).digest("hex"),
      },
    ]);
    expect(readFileSync(turn.attachments[0]?.localPath as string).equals(bytes)).toBe(true);
  });
});
