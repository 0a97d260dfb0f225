import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sampleTurn } from "../testing/sample-turn.ts";
import { createEchoBackend } from "./echo-backend.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgate-echo-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const signal = new AbortController().signal;

describe("echo backend", () => {
  it("replies with the text exactly as received, without the envelope", async () => {
    const text = "  héllo\n\nworld 👋🏽 ```x```  ";
    const reply = await createEchoBackend().reply(sampleTurn({ text, body: `[iMessage x] ${text}` }), {
      signal,
    });
    expect(reply.text).toBe(text);
  });

  it("adds one line per fetched attachment with size and sha256 of the local file", async () => {
    const content = Buffer.from([0, 1, 2, 3, 250, 251, 252, 10, 13]);
    const path = join(dir, "IMG_0001.heic");
    await writeFile(path, content);
    const sha = createHash("sha256").update(content).digest("hex");
    const reply = await createEchoBackend().reply(
      sampleTurn({
        text: "look",
        attachments: [
          { name: "IMG_0001.heic", mimeType: "image/heic", sizeBytes: 999, localPath: path },
          { name: "refused.mov", mimeType: "video/quicktime", sizeBytes: 5 },
          { name: "vanished.png", mimeType: "image/png", sizeBytes: 5, localPath: join(dir, "missing.png") },
        ],
      }),
      { signal },
    );
    expect(reply.text).toBe(`look\n[attachment IMG_0001.heic ${content.length} bytes sha256:${sha}]`);
  });

  it("answers an attachment-only message with just the attachment line", async () => {
    const path = join(dir, "a.txt");
    await writeFile(path, "abc");
    const reply = await createEchoBackend().reply(
      sampleTurn({
        text: "",
        attachments: [{ name: "a.txt", mimeType: "text/plain", sizeBytes: 3, localPath: path }],
      }),
      { signal },
    );
    expect(reply.text).toBe(
      `[attachment a.txt 3 bytes sha256:${createHash("sha256").update("abc").digest("hex")}]`,
    );
  });
});
