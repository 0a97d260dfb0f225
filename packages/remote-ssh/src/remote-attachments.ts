import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import type { SFTPWrapper, Stats } from "ssh2";
import { z } from "zod";
import { isRemoteSshError, RemoteSshError, RemoteSshErrorCode } from "./errors.ts";
import { createLimiter } from "./limiter.ts";
import { type Clock, type Logger, nullLogger, systemClock } from "./logger.ts";
import { expandRemotePath, isInsideRoot, remotePathSchema } from "./remote-path.ts";
import { safeFileName, safeSegment } from "./safe-name.ts";
import { isNoSuchFile, sftpOps } from "./sftp-ops.ts";
import type { SshConnection } from "./ssh-connection.ts";
import { streamRemoteFile } from "./stream-remote-file.ts";

/** Options of {@link createRemoteAttachments}. */
export interface RemoteAttachmentsOptions {
  /** Gateway state dir; files land in `<stateDir>/media/<account>/<guid>/<name>`. */
  stateDir: string;
  /** Remote folders attachments may come from (`~` = the remote user's home). Default `["~/Library/Messages/Attachments"]`. */
  remoteAttachmentRoots?: readonly string[];
  /** Remote folder for outbound files (default `~/Library/Messages/Attachments/imgate-outbox`). */
  outboxDir?: string;
  /** Transfers in parallel (default 3). */
  maxParallel?: number;
  /** Attempts per fetch, for a file that does not exist yet or a broken transfer (default 6). */
  fetchAttempts?: number;
  /** Delay before retry number `attempt` (1-based) in ms (default 500 · 2^(attempt−1), max 8000). */
  retryDelayMs?: (attempt: number) => number;
  /** Waits `ms`; injectable for tests (default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
  clock?: Clock;
}

/** What {@link RemoteAttachments.fetchAttachment} needs. */
export const fetchAttachmentRequestSchema = z.object({
  /** Path on the remote Mac as imsg reported it (absolute or `~/…`). */
  remotePath: remotePathSchema,
  /** Account id (local directory segment). */
  account: z.string().min(1).max(128),
  /** Attachment or message guid (local directory segment). */
  guid: z.string().min(1).max(256),
  /** Local file name (default: the remote file's name); sanitised. */
  name: z.string().max(1024).optional(),
  /** Size cap in bytes, checked before and during the transfer. */
  maxBytes: z.number().int().nonnegative(),
});

/** Input of {@link RemoteAttachments.fetchAttachment}. */
export type FetchAttachmentRequest = z.input<typeof fetchAttachmentRequestSchema>;

/** Per-call options of {@link RemoteAttachments.fetchAttachment}. */
export interface FetchAttachmentOptions {
  /** Called as bytes arrive (per attempt; restarts from 0 on a retry). */
  onProgress?: (receivedBytes: number, expectedBytes: number) => void;
}

/** A fetched attachment. */
export interface FetchedAttachment {
  /** Absolute local path of the complete file. */
  localPath: string;
  /** Bytes written (equal to the remote size). */
  bytes: number;
  /** The remote path after symlinks were resolved on the Mac. */
  remoteRealPath: string;
  /** Attempts it took (1 = first try). */
  attempts: number;
}

/** A file staged on the remote Mac for sending. */
export interface StagedUpload {
  /** Absolute remote path to pass to imsg `send`. */
  remotePath: string;
  bytes: number;
}

/** Attachment transfer over one {@link SshConnection}. */
export interface RemoteAttachments {
  /**
   * Copies a remote attachment into the local media cache. Refuses paths whose real path (resolved on the
   * Mac) is outside the roots (`PATH_OUTSIDE_ROOTS`), non-files (`NOT_A_FILE`), and files over the cap
   * (`TOO_LARGE`, before and during the transfer). A missing file or a broken transfer is retried.
   */
  fetchAttachment(
    request: FetchAttachmentRequest,
    options?: FetchAttachmentOptions,
  ): Promise<FetchedAttachment>;
  /** Uploads a local file to `<outboxDir>/<uuid>/<name>` on the Mac and returns that path for `send`. */
  stageUpload(localPath: string, options?: { name?: string }): Promise<StagedUpload>;
  /** Deletes staged uploads whose folder is older than `olderThanMs`; returns how many folders went. */
  cleanupStaged(olderThanMs: number): Promise<{ removed: number }>;
}

const DEFAULT_ROOTS = ["~/Library/Messages/Attachments"];
const DEFAULT_OUTBOX = "~/Library/Messages/Attachments/imgate-outbox";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function invalid(what: string, error: z.ZodError): RemoteSshError {
  return new RemoteSshError(
    RemoteSshErrorCode.invalidConfig,
    `Invalid ${what}: ${error.issues.map((i) => `${i.path.join(".") || "(value)"}: ${i.message}`).join("; ")}.`,
    { cause: error },
  );
}

const RETRYABLE = new Set<string>([
  RemoteSshErrorCode.remoteFileMissing,
  RemoteSshErrorCode.transferFailed,
  RemoteSshErrorCode.connectFailed,
  RemoteSshErrorCode.channelFailed,
]);

/** Creates the attachment mover for `connection`. */
export function createRemoteAttachments(
  connection: Pick<SshConnection, "sftp" | "describe">,
  options: RemoteAttachmentsOptions,
): RemoteAttachments {
  const logger = options.logger ?? nullLogger;
  const clock = options.clock ?? systemClock;
  const limiter = createLimiter(options.maxParallel ?? 3);
  const attempts = options.fetchAttempts ?? 6;
  const retryDelay = options.retryDelayMs ?? ((n: number) => Math.min(8000, 500 * 2 ** (n - 1)));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (const root of options.remoteAttachmentRoots ?? []) {
    const r = remotePathSchema.safeParse(root);
    if (!r.success) throw invalid(`remoteAttachmentRoots entry ${JSON.stringify(root)}`, r.error);
  }

  // Home and resolved roots are cached per SFTP session (a reconnect opens a new one): two round trips
  // fewer per fetch.
  const homes = new WeakMap<SFTPWrapper, Promise<string>>();
  const rootsBySession = new WeakMap<SFTPWrapper, Promise<string[]>>();

  function remoteHome(sftp: SFTPWrapper): Promise<string> {
    let home = homes.get(sftp);
    if (!home) {
      // An SFTP session starts in the login user's home directory.
      home = sftpOps.realpath(sftp, ".");
      homes.set(sftp, home);
      home.catch(() => homes.delete(sftp));
    }
    return home;
  }

  function resolvedRoots(sftp: SFTPWrapper, home: string): Promise<string[]> {
    let roots = rootsBySession.get(sftp);
    if (!roots) {
      roots = resolveRoots(sftp, home);
      rootsBySession.set(sftp, roots);
    }
    return roots;
  }

  async function resolveRoots(sftp: SFTPWrapper, home: string): Promise<string[]> {
    const roots = options.remoteAttachmentRoots ?? DEFAULT_ROOTS;
    return Promise.all(
      roots.map(async (root) => {
        const literal = expandRemotePath(root, home);
        try {
          return await sftpOps.realpath(sftp, literal);
        } catch {
          return literal;
        }
      }),
    );
  }

  async function fetchOnce(
    request: z.output<typeof fetchAttachmentRequestSchema>,
    destination: string,
    onProgress: FetchAttachmentOptions["onProgress"],
  ): Promise<{ bytes: number; real: string }> {
    const sftp = await connection.sftp();
    const home = await remoteHome(sftp);
    const requested = expandRemotePath(request.remotePath, home);
    const rootsPromise = resolvedRoots(sftp, home);
    let real: string;
    let st: Stats;
    try {
      // Sent together (one round trip): stat follows symlinks to the same file realpath names.
      [real, st] = await Promise.all([sftpOps.realpath(sftp, requested), sftpOps.stat(sftp, requested)]);
    } catch (err) {
      if (isNoSuchFile(err)) {
        throw new RemoteSshError(
          RemoteSshErrorCode.remoteFileMissing,
          `The attachment ${request.remotePath} does not exist on the Mac (yet).`,
          { cause: err, details: { remotePath: request.remotePath } },
        );
      }
      throw new RemoteSshError(
        RemoteSshErrorCode.transferFailed,
        `Could not inspect ${request.remotePath} on the Mac: ${String(err)}.`,
        { cause: err, details: { remotePath: request.remotePath } },
      );
    }
    const roots = await rootsPromise;
    if (!roots.some((root) => isInsideRoot(real, root))) {
      throw new RemoteSshError(
        RemoteSshErrorCode.pathOutsideRoots,
        `Refused ${request.remotePath}: on the Mac it resolves to ${real}, outside remoteAttachmentRoots (${roots.join(", ")}). Add its folder to remoteAttachmentRoots if it should be allowed.`,
        { details: { remotePath: request.remotePath, realPath: real, roots } },
      );
    }
    if (!st.isFile()) {
      throw new RemoteSshError(RemoteSshErrorCode.notAFile, `Refused ${real}: not a regular file.`, {
        details: { realPath: real },
      });
    }
    if (st.size > request.maxBytes) {
      throw new RemoteSshError(
        RemoteSshErrorCode.tooLarge,
        `The attachment ${real} is ${st.size} bytes, over the ${request.maxBytes}-byte cap; not fetched. Raise mediaMaxMb to accept larger files.`,
        { details: { realPath: real, size: st.size, maxBytes: request.maxBytes } },
      );
    }
    logger.debug({ remote: connection.describe(), realPath: real, size: st.size }, "attachment stat");
    const part = `${destination}.${randomUUID().slice(0, 8)}.part`;
    try {
      const bytes = await streamRemoteFile(sftp, {
        remotePath: real,
        localPath: part,
        expectedBytes: st.size,
        maxBytes: request.maxBytes,
        ...(onProgress ? { onProgress } : {}),
      });
      await rename(part, destination);
      return { bytes, real };
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
  }

  async function fetchAttachment(
    input: FetchAttachmentRequest,
    fetchOptions: FetchAttachmentOptions = {},
  ): Promise<FetchedAttachment> {
    const parsed = fetchAttachmentRequestSchema.safeParse(input);
    if (!parsed.success) throw invalid("attachment request", parsed.error);
    const request = parsed.data;
    const dir = join(options.stateDir, "media", safeSegment(request.account), safeSegment(request.guid));
    const name = safeFileName(request.name ?? posix.basename(request.remotePath));
    const destination = join(dir, name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (let attempt = 1; ; attempt++) {
      try {
        const { bytes, real } = await limiter.run(() =>
          fetchOnce(request, destination, fetchOptions.onProgress),
        );
        logger.info({ remote: connection.describe(), realPath: real, bytes, attempt }, "attachment fetched");
        return { localPath: destination, bytes, remoteRealPath: real, attempts: attempt };
      } catch (err) {
        const retryable = isRemoteSshError(err) && RETRYABLE.has(err.code);
        if (!retryable || attempt >= attempts) {
          logger.warn(
            { remote: connection.describe(), remotePath: request.remotePath, attempt, err: String(err) },
            "attachment not fetched",
          );
          throw err;
        }
        const delay = retryDelay(attempt);
        logger.debug(
          { remotePath: request.remotePath, attempt, delay, err: String(err) },
          "attachment retry",
        );
        await sleep(delay);
      }
    }
  }

  async function mkdirp(sftp: SFTPWrapper, dir: string): Promise<void> {
    const parts = dir.split("/").filter(Boolean);
    let current = "";
    for (const part of parts) {
      current += `/${part}`;
      try {
        await sftpOps.mkdir(sftp, current, 0o700);
      } catch (err) {
        // Exists already (SFTP servers report it as a generic failure), or a real error seen on the next step.
        const s = await sftpOps.stat(sftp, current).catch(() => undefined);
        if (!s?.isDirectory()) throw err;
      }
    }
  }

  async function outboxPath(sftp: SFTPWrapper): Promise<string> {
    const outbox = options.outboxDir ?? DEFAULT_OUTBOX;
    const r = remotePathSchema.safeParse(outbox);
    if (!r.success) throw invalid("outboxDir", r.error);
    return expandRemotePath(outbox, await remoteHome(sftp));
  }

  async function stageUpload(localPath: string, opts: { name?: string } = {}): Promise<StagedUpload> {
    const local = await stat(localPath);
    if (!local.isFile()) {
      throw new RemoteSshError(RemoteSshErrorCode.notAFile, `Cannot send ${localPath}: not a regular file.`);
    }
    return limiter.run(async () => {
      const sftp = await connection.sftp();
      const dir = posix.join(await outboxPath(sftp), randomUUID());
      await mkdirp(sftp, dir);
      const remotePath = posix.join(dir, safeFileName(opts.name ?? localPath));
      try {
        await sftpOps.fastPut(sftp, localPath, remotePath, 0o600);
        const remote = await sftpOps.stat(sftp, remotePath);
        if (remote.size !== local.size) throw new Error(`uploaded ${remote.size} of ${local.size} bytes`);
      } catch (err) {
        throw new RemoteSshError(
          RemoteSshErrorCode.transferFailed,
          `Could not upload ${localPath} to ${remotePath} on the Mac: ${String(err)}.`,
          { cause: err, details: { localPath, remotePath } },
        );
      }
      logger.info({ remote: connection.describe(), remotePath, bytes: local.size }, "outbound file staged");
      return { remotePath, bytes: local.size };
    });
  }

  async function cleanupStaged(olderThanMs: number): Promise<{ removed: number }> {
    const sftp = await connection.sftp();
    const outbox = await outboxPath(sftp);
    let entries: Array<{ filename: string; attrs: { mtime: number; isDirectory(): boolean } }>;
    try {
      entries = await sftpOps.readdir(sftp, outbox);
    } catch (err) {
      if (isNoSuchFile(err)) return { removed: 0 };
      throw err;
    }
    const cutoff = clock.now() - olderThanMs;
    let removed = 0;
    for (const entry of entries) {
      // Only folders this package created (uuid names) are touched.
      if (!UUID.test(entry.filename) || !entry.attrs.isDirectory()) continue;
      if (entry.attrs.mtime * 1000 > cutoff) continue;
      const dir = posix.join(outbox, entry.filename);
      for (const file of await sftpOps.readdir(sftp, dir)) {
        await sftpOps.unlink(sftp, posix.join(dir, file.filename));
      }
      await sftpOps.rmdir(sftp, dir);
      removed++;
    }
    if (removed > 0) logger.info({ remote: connection.describe(), removed }, "old staged uploads removed");
    return { removed };
  }

  return { fetchAttachment, stageUpload, cleanupStaged };
}
