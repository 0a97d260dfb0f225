import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jpeg from "jpeg-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type LoopbackServer,
  type ReceivedRequest,
  sendJson,
  startLoopbackServer,
} from "../testing/loopback-server.ts";
import { sampleTurn } from "../testing/sample-turn.ts";
import type { AgentAttachment } from "./agent-turn.ts";
import { createOpenAIBackend, type OpenAIBackendSettings } from "./openai-backend.ts";

const HEIC_FIXTURE = new URL("./__fixtures__/photo.heic", import.meta.url);

let dir: string | undefined;
let server: LoopbackServer | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "imgate-media-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A loopback OpenAI-compatible server: chat completions answer "seen", transcriptions answer `transcript`. */
async function fakeOpenAI(
  transcript: { status: number; body: unknown } = { status: 200, body: { text: "buy milk" } },
) {
  server = await startLoopbackServer((request, response) => {
    if (request.url.endsWith("/audio/transcriptions")) sendJson(response, transcript.status, transcript.body);
    else sendJson(response, 200, { choices: [{ message: { role: "assistant", content: "seen" } }] });
  });
  return server;
}

function chatRequests(s: LoopbackServer): Array<{ messages: Array<{ role: string; content: unknown }> }> {
  return s.requests.filter((r) => r.url.endsWith("/chat/completions")).map((r) => JSON.parse(r.body));
}

function backend(s: LoopbackServer, extra: Partial<OpenAIBackendSettings> = {}) {
  return createOpenAIBackend(
    { baseUrl: `${s.url}/v1`, model: "gpt-vision", timeoutMs: 10_000, maxRetries: 0, ...extra },
    { env: { OPENAI_KEY: "sk-media" } },
  );
}

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir as string, name);
  writeFileSync(path, bytes);
  return path;
}

function attachment(name: string, mimeType: string, path: string): AgentAttachment {
  return { name, mimeType, sizeBytes: readFileSync(path).length, localPath: path };
}

const signal = () => ({ signal: new AbortController().signal });

/** Parses a recorded multipart request with the platform's own parser. */
async function formOf(request: ReceivedRequest): Promise<FormData> {
  return new Request("http://x/", {
    method: "POST",
    headers: { "content-type": String(request.headers["content-type"]) },
    body: request.raw,
  }).formData();
}

describe("openai backend: images (vision)", () => {
  it("sends a PNG as a data URL of exactly the file's bytes, beside the text part", async () => {
    const s = await fakeOpenAI();
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);
    const path = file("shot.png", bytes);
    const turn = sampleTurn({ attachments: [attachment("shot.png", "image/png", path)] });
    expect((await backend(s, { vision: true }).reply(turn, signal())).text).toBe("seen");
    const [request] = chatRequests(s);
    const user = request?.messages.at(-1);
    expect(user).toEqual({
      role: "user",
      content: [
        { type: "text", text: turn.body },
        {
          type: "image_url",
          image_url: { url: `data:image/png;base64,${Buffer.from(bytes).toString("base64")}` },
        },
      ],
    });
  });

  it("converts a HEIC photo to a JPEG with the photo's pixels", async () => {
    const s = await fakeOpenAI();
    const path = file("IMG_0001.heic", readFileSync(HEIC_FIXTURE));
    const turn = sampleTurn({ attachments: [attachment("IMG_0001.heic", "image/heic", path)] });
    await backend(s, { vision: true }).reply(turn, signal());
    const content = chatRequests(s)[0]?.messages.at(-1)?.content as Array<{
      type: string;
      image_url?: { url: string };
    }>;
    const url = content[1]?.image_url?.url ?? "";
    expect(url.startsWith("data:image/jpeg;base64,")).toBe(true);
    const image = jpeg.decode(Buffer.from(url.slice("data:image/jpeg;base64,".length), "base64"), {
      useTArray: true,
    });
    expect([image.width, image.height]).toEqual([96, 64]);
    const pixel = (x: number, y: number) =>
      Array.from(image.data.slice((y * 96 + x) * 4, (y * 96 + x) * 4 + 3));
    // Lossy twice (HEIC, then JPEG): compare with a tolerance, far from the other quadrants' colours.
    for (const [got, want] of [
      [pixel(10, 10), [230, 40, 120]],
      [pixel(80, 50), [20, 200, 120]],
    ] as const) {
      for (const [i, value] of got.entries()) expect(Math.abs(value - (want[i] as number))).toBeLessThan(25);
    }
  });

  it("describes images it cannot send (unsupported type, over the size limit, undecodable HEIC) in notes", async () => {
    const s = await fakeOpenAI();
    const tiff = file("scan.tiff", Uint8Array.from([0x49, 0x49, 0x2a, 0]));
    const broken = file("broken.heic", Uint8Array.from([1, 2, 3, 4]));
    const turn = sampleTurn({
      attachments: [
        attachment("scan.tiff", "image/tiff", tiff),
        attachment("broken.heic", "image/heic", broken),
        { name: "huge.jpg", mimeType: "image/jpeg", sizeBytes: 40_000_000, omitted: "too-large" },
      ],
    });
    await backend(s, { vision: true }).reply(turn, signal());
    const content = chatRequests(s)[0]?.messages.at(-1)?.content;
    expect(typeof content).toBe("string");
    expect(content).toContain(
      "[image scan.tiff is not shown to you: the model endpoint does not take image/tiff images]",
    );
    expect(content).toContain("[image broken.heic is not shown to you: it could not be converted from HEIC]");
    expect(content).toContain("[image huge.jpg is not shown to you: it is over the size limit]");
  });

  it("without vision sends text only, as before", async () => {
    const s = await fakeOpenAI();
    const path = file("plain.png", Uint8Array.from([137, 80, 78, 71]));
    const turn = sampleTurn({ attachments: [attachment("plain.png", "image/png", path)] });
    await backend(s).reply(turn, signal());
    expect(chatRequests(s)[0]?.messages.at(-1)).toEqual({ role: "user", content: turn.body });
  });
});

describe("openai backend: voice memos", () => {
  const memo = () => {
    const bytes = Buffer.concat([
      Buffer.from("caff"),
      Buffer.from(Uint8Array.from({ length: 500 }, (_, i) => i % 251)),
    ]);
    return { bytes, path: file(`memo-${Math.random().toString(36).slice(2)}.caf`, bytes) };
  };

  it("transcribes the audio via multipart and sends the transcript, marked, to the model", async () => {
    const s = await fakeOpenAI();
    const { bytes, path } = memo();
    const turn = sampleTurn({
      text: "",
      attachments: [attachment("Audio Message.caf", "audio/x-caf", path)],
    });
    const b = backend(s, { apiKeyEnv: "OPENAI_KEY", transcription: { model: "whisper-1" } });
    expect(await b.reply(turn, signal())).toEqual({ text: "seen", transcripts: ["buy milk"] });
    const upload = s.requests.find((r) => r.url === "/v1/audio/transcriptions");
    expect(upload?.headers.authorization).toBe("Bearer sk-media");
    expect(String(upload?.headers["content-type"])).toMatch(/^multipart\/form-data; boundary=/);
    const form = await formOf(upload as ReceivedRequest);
    expect(form.get("model")).toBe("whisper-1");
    const sent = form.get("file") as File;
    expect(sent.name).toBe("Audio Message.caf");
    expect(sent.type).toBe("audio/x-caf");
    expect(Buffer.from(await sent.arrayBuffer()).equals(bytes)).toBe(true);
    expect(chatRequests(s)[0]?.messages.at(-1)?.content).toBe(
      `${turn.body}\n[Voice memo transcript] buy milk`,
    );
  });

  it("uses the transcription's own base URL and key when given, and names a converted memo .m4a", async () => {
    const s = await fakeOpenAI();
    const other = await startLoopbackServer((_req, res) => sendJson(res, 200, { text: "from elsewhere" }));
    try {
      const { path } = memo();
      const turn = sampleTurn({
        text: "",
        attachments: [attachment("Audio Message.caf", "audio/mp4", path)],
      });
      const b = createOpenAIBackend(
        {
          baseUrl: `${s.url}/v1`,
          model: "m",
          timeoutMs: 10_000,
          maxRetries: 0,
          transcription: { model: "whisper-large", baseUrl: `${other.url}/api`, apiKeyEnv: "STT_KEY" },
        },
        { env: { STT_KEY: "stt-secret" } },
      );
      await b.reply(turn, signal());
      expect(other.requests[0]?.url).toBe("/api/audio/transcriptions");
      expect(other.requests[0]?.headers.authorization).toBe("Bearer stt-secret");
      const sent = (await formOf(other.requests[0] as ReceivedRequest)).get("file") as File;
      expect(sent.name).toBe("Audio Message.m4a");
      expect(s.requests.some((r) => r.url.includes("transcriptions"))).toBe(false);
      expect(chatRequests(s)[0]?.messages.at(-1)?.content).toContain(
        "[Voice memo transcript] from elsewhere",
      );
    } finally {
      await other.close();
    }
  });

  it("a failed transcription becomes a note and the turn still runs", async () => {
    const s = await fakeOpenAI({ status: 500, body: { error: "model overloaded" } });
    const { path } = memo();
    const failures: string[] = [];
    const b = createOpenAIBackend(
      { baseUrl: s.url, model: "m", timeoutMs: 10_000, maxRetries: 0, transcription: { model: "whisper-1" } },
      { onTranscriptionFailed: (name) => failures.push(name) },
    );
    const turn = sampleTurn({
      text: "",
      attachments: [attachment("Audio Message.caf", "audio/x-caf", path)],
    });
    expect((await b.reply(turn, signal())).text).toBe("seen");
    expect(failures).toEqual(["Audio Message.caf"]);
    expect(chatRequests(s)[0]?.messages.at(-1)?.content).toBe(
      `${turn.body}\n[voice memo Audio Message.caf could not be transcribed]`,
    );
  });

  it("does not transcribe a memo that came with Apple's transcript", async () => {
    const s = await fakeOpenAI();
    const { path } = memo();
    const turn = sampleTurn({
      text: "see you at six",
      attachments: [
        { ...attachment("Audio Message.caf", "audio/x-caf", path), transcript: "see you at six" },
      ],
    });
    await backend(s, { transcription: { model: "whisper-1" } }).reply(turn, signal());
    expect(s.requests.map((r) => r.url)).toEqual(["/v1/chat/completions"]);
  });

  it("transcribes once per turn, not once per retried chat attempt", async () => {
    server = await startLoopbackServer((request, response, index) => {
      if (request.url.endsWith("/audio/transcriptions")) return sendJson(response, 200, { text: "hello" });
      if (index === 1) return sendJson(response, 503, { error: "busy" });
      return sendJson(response, 200, { choices: [{ message: { content: "ok" } }] });
    });
    const { path } = memo();
    const b = createOpenAIBackend(
      { baseUrl: server.url, model: "m", timeoutMs: 10_000, maxRetries: 1, transcription: { model: "w" } },
      { retryBaseDelayMs: 1 },
    );
    await b.reply(
      sampleTurn({ text: "", attachments: [attachment("a.caf", "audio/x-caf", path)] }),
      signal(),
    );
    expect(server.requests.map((r) => r.url)).toEqual([
      "/audio/transcriptions",
      "/chat/completions",
      "/chat/completions",
    ]);
  });
});

describe("openai backend: group system prompt", () => {
  it("sends one system message: the backend's prompt, then the group's", async () => {
    const s = await fakeOpenAI();
    await backend(s, { system: "You are Molty." }).reply(
      sampleTurn({ systemPrompt: "This is the climbing group." }),
      signal(),
    );
    expect(chatRequests(s)[0]?.messages[0]).toEqual({
      role: "system",
      content: "You are Molty.\n\nThis is the climbing group.",
    });
  });
});
