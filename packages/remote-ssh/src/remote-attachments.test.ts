import { createHash, randomBytes } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RemoteSshErrorCode } from "./errors.ts";
import { createRemoteAttachments, type RemoteAttachmentsOptions } from "./remote-attachments.ts";
import { createSshConnection, type SshConnection } from "./ssh-connection.ts";
import { streamRemoteFile } from "./stream-remote-file.ts";
import { createRecordingLogger, type RecordingLogger } from "./testing/recording-logger.ts";
import { type SshdHarness, startSshd } from "./testing/sshd-harness.ts";

// The "remote Mac" is this machine over loopback sshd, so remote paths are paths in a temp dir.
let sshd: SshdHarness;
let conn: SshConnection;
let tmp: string;
let root: string;
let outside: string;
let stateDir: string;

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

function attachments(extra: Partial<RemoteAttachmentsOptions> = {}) {
  return createRemoteAttachments(conn, {
    stateDir,
    remoteAttachmentRoots: [root],
    retryDelayMs: () => 0,
    ...extra,
  });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

beforeAll(async () => {
  sshd = await startSshd();
  conn = createSshConnection(sshd.connectionConfig(), { backoff: { initialMs: 50, maxMs: 200, jitter: 0 } });
  tmp = mkdtempSync(join(tmpdir(), "remote-ssh-att-"));
  root = join(tmp, "Attachments");
  outside = join(tmp, "outside");
  mkdirSync(root);
  mkdirSync(outside);
  await conn.ready();
});
afterEach(() => {
  if (!tmp) return; // beforeAll failed (e.g. no sshd): nothing was made.
  rmSync(join(tmp, "state"), { recursive: true, force: true });
  stateDir = join(tmp, "state", String(Math.random()).slice(2));
});
afterAll(async () => {
  await conn?.close();
  await sshd?.stop();
  // Set in beforeAll: undefined when it failed early (e.g. no sshd); a second error here would hide the first.
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
stateDir = "";

describe("fetchAttachment", () => {
  it("copies the exact bytes into <stateDir>/media/<account>/<guid>/<name> atomically", async () => {
    stateDir = join(tmp, "state", "a");
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const remote = join(root, "ab", "IMG 0001 it's.heic");
    mkdirSync(join(root, "ab"));
    writeFileSync(remote, data);
    const got = await attachments().fetchAttachment({
      remotePath: remote,
      account: "bot",
      guid: "at_0_ABC-123",
      maxBytes: 10 * 1024 * 1024,
    });
    expect(got.localPath).toBe(join(stateDir, "media", "bot", "at_0_ABC-123", "IMG 0001 it's.heic"));
    expect(sha256(readFileSync(got.localPath))).toBe(sha256(data));
    expect(got.bytes).toBe(data.length);
    expect(got.attempts).toBe(1);
    expect(statSync(got.localPath).mode & 0o777).toBe(0o600);
    expect(filesUnder(stateDir).filter((f) => f.endsWith(".part"))).toEqual([]);
  });

  it("sanitises the local name and ids (no traversal out of the media dir)", async () => {
    stateDir = join(tmp, "state", "b");
    const remote = join(root, "x.txt");
    writeFileSync(remote, "hi");
    const got = await attachments().fetchAttachment({
      remotePath: remote,
      account: "../../evil",
      guid: "..",
      name: "../../../etc/passwd",
      maxBytes: 100,
    });
    expect(got.localPath.startsWith(join(stateDir, "media"))).toBe(true);
    expect(got.localPath.endsWith("/passwd")).toBe(true);
    expect(readFileSync(got.localPath, "utf8")).toBe("hi");
  });

  it("refuses a path outside the roots, including via ..", async () => {
    stateDir = join(tmp, "state", "c");
    writeFileSync(join(outside, "secret"), "nope");
    const a = attachments();
    for (const remotePath of [join(outside, "secret"), `${root}/../outside/secret`]) {
      await expect(
        a.fetchAttachment({ remotePath, account: "a", guid: "g", maxBytes: 100 }),
      ).rejects.toMatchObject({
        code: RemoteSshErrorCode.pathOutsideRoots,
      });
    }
    expect(filesUnder(stateDir)).toEqual([]);
  });

  it("refuses a symlink inside a root that escapes it (resolved on the remote side)", async () => {
    stateDir = join(tmp, "state", "d");
    writeFileSync(join(outside, "secret2"), "nope");
    symlinkSync(join(outside, "secret2"), join(root, "innocent.jpg"));
    symlinkSync(outside, join(root, "dirlink"));
    const a = attachments();
    const err = await a
      .fetchAttachment({ remotePath: join(root, "innocent.jpg"), account: "a", guid: "g", maxBytes: 100 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: RemoteSshErrorCode.pathOutsideRoots });
    expect((err as Error).message).toContain(join(outside, "secret2"));
    await expect(
      a.fetchAttachment({
        remotePath: join(root, "dirlink", "secret2"),
        account: "a",
        guid: "g",
        maxBytes: 100,
      }),
    ).rejects.toMatchObject({ code: RemoteSshErrorCode.pathOutsideRoots });
    expect(filesUnder(stateDir)).toEqual([]);
  });

  it("refuses a file over the cap before transferring (remote stat)", async () => {
    stateDir = join(tmp, "state", "e");
    const remote = join(root, "big.bin");
    writeFileSync(remote, randomBytes(1000));
    const logger = createRecordingLogger();
    const err = await attachments({ logger })
      .fetchAttachment({ remotePath: remote, account: "a", guid: "g", maxBytes: 999 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: RemoteSshErrorCode.tooLarge, details: { size: 1000, maxBytes: 999 } });
    expect(logger.records.some((r) => r.msg === "attachment stat")).toBe(false);
    expect(filesUnder(stateDir)).toEqual([]);
  });

  it("aborts a file that grows past the cap during the transfer and deletes the partial", async () => {
    stateDir = join(tmp, "state", "f");
    const remote = join(root, "growing.bin");
    writeFileSync(remote, randomBytes(1000));
    // The file grows between the remote stat (which passes) and the transfer.
    const logger: RecordingLogger = createRecordingLogger();
    const debug = logger.debug;
    logger.debug = (fields, msg) => {
      if (msg === "attachment stat") appendFileSync(remote, randomBytes(4 * 1024 * 1024));
      debug(fields, msg);
    };
    const err = await attachments({ logger })
      .fetchAttachment({ remotePath: remote, account: "a", guid: "g", maxBytes: 1024 * 1024 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: RemoteSshErrorCode.tooLarge });
    expect((err as Error).message).toContain("during the transfer");
    expect(filesUnder(stateDir)).toEqual([]);
  });

  it("retries until a late attachment exists", async () => {
    stateDir = join(tmp, "state", "g");
    const remote = join(root, "late.png");
    const data = randomBytes(5000);
    const delays: number[] = [];
    const a = attachments({
      retryDelayMs: (n) => n * 10,
      sleep: async (ms) => {
        delays.push(ms);
        if (delays.length === 2) writeFileSync(remote, data);
      },
    });
    const got = await a.fetchAttachment({ remotePath: remote, account: "a", guid: "g", maxBytes: 10_000 });
    expect(got.attempts).toBe(3);
    expect(delays).toEqual([10, 20]);
    expect(sha256(readFileSync(got.localPath))).toBe(sha256(data));
  });

  it("gives up on a file that never appears, after the configured attempts", async () => {
    stateDir = join(tmp, "state", "h");
    let sleeps = 0;
    const a = attachments({
      fetchAttempts: 3,
      sleep: async () => {
        sleeps++;
      },
    });
    await expect(
      a.fetchAttachment({ remotePath: join(root, "never.png"), account: "a", guid: "g", maxBytes: 10 }),
    ).rejects.toMatchObject({ code: RemoteSshErrorCode.remoteFileMissing });
    expect(sleeps).toBe(2);
  });

  it("refuses a directory (NOT_A_FILE) and an invalid remote path (INVALID_CONFIG)", async () => {
    stateDir = join(tmp, "state", "i");
    mkdirSync(join(root, "adir"));
    const a = attachments();
    await expect(
      a.fetchAttachment({ remotePath: join(root, "adir"), account: "a", guid: "g", maxBytes: 10 }),
    ).rejects.toMatchObject({ code: RemoteSshErrorCode.notAFile });
    await expect(
      a.fetchAttachment({ remotePath: "relative/path", account: "a", guid: "g", maxBytes: 10 }),
    ).rejects.toMatchObject({ code: RemoteSshErrorCode.invalidConfig });
  });

  it("completes with the right bytes when sshd is SIGKILLed mid-transfer", async () => {
    stateDir = join(tmp, "state", "j");
    const data = randomBytes(24 * 1024 * 1024);
    const remote = join(root, "video.mov");
    writeFileSync(remote, data);
    let killed: Promise<void> | undefined;
    let receivedAtKill = 0;
    const a = attachments({
      retryDelayMs: () => 0,
      sleep: async () => {
        if (killed) {
          await killed;
          await sshd.restart();
        }
      },
    });
    const got = await a.fetchAttachment(
      { remotePath: remote, account: "a", guid: "g", maxBytes: 64 * 1024 * 1024 },
      {
        onProgress: (received) => {
          if (!killed && received > 1024 * 1024) {
            receivedAtKill = received;
            killed = sshd.kill("SIGKILL"); // the signals are sent synchronously
          }
        },
      },
    );
    expect(receivedAtKill).toBeGreaterThan(0);
    expect(receivedAtKill).toBeLessThan(data.length);
    expect(got.attempts).toBeGreaterThanOrEqual(2);
    expect(sha256(readFileSync(got.localPath))).toBe(sha256(data));
    expect(filesUnder(stateDir).filter((f) => f.endsWith(".part"))).toEqual([]);
  });
});

describe("streamRemoteFile (SFTP reads in flight)", () => {
  const local = () => join(tmp, `local-${String(Math.random()).slice(2)}.bin`);

  it("reassembles the exact bytes from many out-of-order reads, chunks over the server limit, and an empty file", async () => {
    const sftp = await conn.sftp();
    const data = randomBytes(1_000_003);
    const remote = join(root, "chunks.bin");
    writeFileSync(remote, data);
    for (const [chunkBytes, readsInFlight] of [
      [4093, 7],
      [1024 * 1024, 3],
    ] as const) {
      const out = local();
      const progress: number[] = [];
      const n = await streamRemoteFile(sftp, {
        remotePath: remote,
        localPath: out,
        expectedBytes: data.length,
        maxBytes: data.length,
        chunkBytes,
        readsInFlight,
        onProgress: (received) => progress.push(received),
      });
      expect(n).toBe(data.length);
      expect(sha256(readFileSync(out))).toBe(sha256(data));
      expect(statSync(out).mode & 0o777).toBe(0o600);
      expect(progress.at(-1)).toBe(data.length);
      expect(progress.every((v, i) => i === 0 || v > (progress[i - 1] as number))).toBe(true);
    }
    writeFileSync(join(root, "empty.bin"), "");
    const out = local();
    const n = await streamRemoteFile(sftp, {
      remotePath: join(root, "empty.bin"),
      localPath: out,
      expectedBytes: 0,
      maxBytes: 10,
    });
    expect(n).toBe(0);
    expect(readFileSync(out).length).toBe(0);
  });

  it("fails a file that changed size after the stat: grown past the cap, grown under it, shrunk", async () => {
    const sftp = await conn.sftp();
    const remote = join(root, "changed.bin");
    writeFileSync(remote, randomBytes(5000));
    const attempt = (expectedBytes: number, maxBytes: number) =>
      streamRemoteFile(sftp, {
        remotePath: remote,
        localPath: local(),
        expectedBytes,
        maxBytes,
        chunkBytes: 1024,
      }).catch((e: unknown) => e);
    const over = await attempt(3000, 4000);
    expect(over).toMatchObject({
      code: RemoteSshErrorCode.tooLarge,
      details: { size: 5000, maxBytes: 4000 },
    });
    expect((over as Error).message).toContain("during the transfer");
    const grown = await attempt(3000, 10_000);
    expect(grown).toMatchObject({ code: RemoteSshErrorCode.transferFailed });
    expect((grown as Error).message).toContain("grew from 3000 to 5000");
    const shrunk = await attempt(8000, 10_000);
    expect(shrunk).toMatchObject({ code: RemoteSshErrorCode.transferFailed });
    expect((shrunk as Error).message).toMatch(/ended at \d+ of 8000 bytes/);
  });

  it("fails a remote file that is gone by the time it is opened (retryable TRANSFER_FAILED)", async () => {
    const sftp = await conn.sftp();
    const err = await streamRemoteFile(sftp, {
      remotePath: join(root, "vanished.bin"),
      localPath: local(),
      expectedBytes: 10,
      maxBytes: 10,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: RemoteSshErrorCode.transferFailed });
  });
});

describe("stageUpload and cleanupStaged", () => {
  it("uploads into <outbox>/<uuid>/<name> and cleans up old staged folders only", async () => {
    stateDir = join(tmp, "state", "k");
    const outbox = join(tmp, "outbox");
    const local = join(tmp, "reply image.png");
    const data = randomBytes(200_000);
    writeFileSync(local, data);
    let now = Date.now();
    const a = attachments({ outboxDir: outbox, clock: { now: () => now } });
    const staged = await a.stageUpload(local);
    expect(staged.remotePath).toMatch(
      new RegExp(
        `^${outbox}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/reply image\\.png$`,
      ),
    );
    expect(sha256(readFileSync(staged.remotePath))).toBe(sha256(data));
    mkdirSync(join(outbox, "not-ours"));
    expect(await a.cleanupStaged(60 * 60 * 1000)).toEqual({ removed: 0 });
    expect(existsSync(staged.remotePath)).toBe(true);
    now += 2 * 60 * 60 * 1000;
    expect(await a.cleanupStaged(60 * 60 * 1000)).toEqual({ removed: 1 });
    expect(existsSync(join(staged.remotePath, ".."))).toBe(false);
    expect(existsSync(join(outbox, "not-ours"))).toBe(true);
  });
});
