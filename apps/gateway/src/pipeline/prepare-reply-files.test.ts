import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isGatewayError } from "../errors/gateway-error.ts";
import { prepareReplyFiles } from "./prepare-reply-files.ts";

let dir: string;
let allowed: string;
let outside: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "reply-files-"));
  allowed = join(dir, "allowed");
  outside = join(dir, "outside");
  mkdirSync(allowed);
  mkdirSync(outside);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const options = () => ({
  mediaMaxMb: 1,
  fileRoots: [allowed],
  stagingDir: join(dir, "staging"),
  backend: "exec",
});

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.catch((e: unknown) => e);
  expect(isGatewayError(error, "AGENT_BAD_RESPONSE")).toBe(true);
  expect((error as { retryable: boolean }).retryable).toBe(false);
  return error as Error;
}

describe("prepareReplyFiles", () => {
  it("passes a file inside fileRoots and stages inline bytes 0600 under their own name", async () => {
    const inside = join(allowed, "chart.png");
    writeFileSync(inside, "png");
    const paths = await prepareReplyFiles(
      [{ path: inside }, { name: "../../notes.txt", data: Buffer.from("notes") }],
      options(),
    );
    expect(paths[0]).toBe(inside);
    expect(paths[1]).toBe(join(dir, "staging", "2", "notes.txt"));
    expect(readFileSync(paths[1]!, "utf8")).toBe("notes");
    expect(statSync(paths[1]!).mode & 0o777).toBe(0o600);
  });

  it("refuses a path outside fileRoots, also through a symlink, and names the key", async () => {
    const secret = join(outside, "id_rsa");
    writeFileSync(secret, "key");
    const link = join(allowed, "innocent.txt");
    symlinkSync(secret, link);
    expect((await refusal(prepareReplyFiles([{ path: secret }], options()))).message).toContain(
      "backend.fileRoots",
    );
    await refusal(prepareReplyFiles([{ path: link }], options()));
    const none = await refusal(prepareReplyFiles([{ path: secret }], { ...options(), fileRoots: [] }));
    expect(none.message).toContain("none configured");
  });

  it("expands ~ like the shell, then applies the same fileRoots check", async () => {
    const home = join(dir, "home");
    mkdirSync(join(home, "Pictures"), { recursive: true });
    writeFileSync(join(home, "Pictures", "cat.jpg"), "jpg");
    const env = { HOME: home };
    const paths = await prepareReplyFiles([{ path: "~/Pictures/cat.jpg" }], {
      ...options(),
      fileRoots: ["~/Pictures"],
      env,
    });
    expect(paths).toEqual([join(home, "Pictures", "cat.jpg")]);
    const error = await refusal(prepareReplyFiles([{ path: "~/Pictures/cat.jpg" }], { ...options(), env }));
    expect(error.message).toContain("outside the agent's backend.fileRoots");
  });

  it("refuses relative paths, missing files and files over mediaMaxMb", async () => {
    await refusal(prepareReplyFiles([{ path: "chart.png" }], options()));
    await refusal(prepareReplyFiles([{ path: join(allowed, "missing.png") }], options()));
    const big = join(allowed, "big.bin");
    writeFileSync(big, Buffer.alloc(1024 * 1024 + 1));
    expect((await refusal(prepareReplyFiles([{ path: big }], options()))).message).toContain("mediaMaxMb");
    await refusal(prepareReplyFiles([{ name: "big.bin", data: Buffer.alloc(1024 * 1024 + 1) }], options()));
  });
});
