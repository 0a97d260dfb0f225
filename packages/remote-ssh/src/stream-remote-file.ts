import { open as openLocal } from "node:fs/promises";
import type { SFTPWrapper } from "ssh2";
import { RemoteSshError, RemoteSshErrorCode } from "./errors.ts";
import { sftpOps } from "./sftp-ops.ts";

/** Inputs of {@link streamRemoteFile}. */
export interface StreamRemoteFileOptions {
  /** Resolved remote path (already checked against the roots). */
  remotePath: string;
  /** Local file to create (must not exist); written with mode 0600 and fsynced before close. */
  localPath: string;
  /** Size the remote stat reported; the transfer must deliver exactly this many bytes. */
  expectedBytes: number;
  /** Hard cap; the transfer is aborted when the file turns out to have grown past it. */
  maxBytes: number;
  /** Called after each received chunk with the running byte count. */
  onProgress?: (receivedBytes: number, expectedBytes: number) => void;
  /** Bytes per SFTP read (default {@link DEFAULT_CHUNK_BYTES}). */
  chunkBytes?: number;
  /** SFTP reads in flight (default {@link DEFAULT_READS_IN_FLIGHT}). */
  readsInFlight?: number;
}

/**
 * Just under OpenSSH's per-read limit (256 KiB message − overhead): larger reads would be split by
 * ssh2 into sequential requests, smaller ones cost more JS per byte.
 */
export const DEFAULT_CHUNK_BYTES = 254 * 1024;
/** 8 × 254 KiB fills the 2 MiB channel window ssh2 grants; more only queues inside sshd. */
export const DEFAULT_READS_IN_FLIGHT = 8;

function transferError(remotePath: string, received: number, what: string, cause?: unknown): RemoteSshError {
  return new RemoteSshError(
    RemoteSshErrorCode.transferFailed,
    `The transfer of ${remotePath} broke off after ${received} bytes: ${what}. The connection may have dropped or the file changed; it is retried automatically.`,
    { ...(cause === undefined ? {} : { cause }), details: { remotePath, receivedBytes: received } },
  );
}

/**
 * Closes a remote handle without waiting: the server handles requests in order, so it is closed after
 * every read already sent, and a dead session has nothing left to close.
 */
function closeRemote(sftp: SFTPWrapper, handle: Buffer): void {
  try {
    sftp.close(handle, () => {});
  } catch {
    // The session is gone; so is the handle.
  }
}

/**
 * Copies one remote file over the connection's SFTP session with several large reads in flight (no
 * remote shell; the same pipelining OpenSSH `scp` uses) and positional writes into `localPath`.
 * Reads end at the size the stat reported; one extra read past it detects a file that grew meanwhile
 * (`TOO_LARGE` past `maxBytes`, else `TRANSFER_FAILED`), and a file that shrank fails with
 * `TRANSFER_FAILED`. Every read and write has settled and both files are closed when it returns or
 * throws; the caller removes `localPath` on failure.
 */
export async function streamRemoteFile(sftp: SFTPWrapper, options: StreamRemoteFileOptions): Promise<number> {
  const { remotePath, expectedBytes: size, maxBytes, onProgress } = options;
  const chunk = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const slots = Math.max(
    1,
    Math.min(options.readsInFlight ?? DEFAULT_READS_IN_FLIGHT, Math.ceil(size / chunk)),
  );
  let handle: Buffer;
  try {
    handle = await sftpOps.open(sftp, remotePath, "r");
  } catch (err) {
    throw transferError(remotePath, 0, `could not open it (${String(err)})`, err);
  }
  let received = 0;
  let failure: unknown;
  let next = 0;
  let probed = false;
  const local = await openLocal(options.localPath, "wx", 0o600).catch((err: unknown) => {
    closeRemote(sftp, handle);
    throw err;
  });

  // Bytes past the stat size mean the file grew after the stat: over the cap it is refused for good,
  // under it the next attempt stats again.
  async function probeEnd(buffer: Buffer): Promise<void> {
    const extra = await sftpOps.read(sftp, handle, buffer, 0, Math.min(buffer.length, 64 * 1024), size);
    if (extra === 0) return;
    const now = await sftpOps.fstat(sftp, handle).then(
      (s) => s.size,
      () => size + extra,
    );
    if (now > maxBytes) {
      throw new RemoteSshError(
        RemoteSshErrorCode.tooLarge,
        `The remote file ${remotePath} grew past the ${maxBytes}-byte cap during the transfer; aborted. Raise mediaMaxMb to accept larger files.`,
        { details: { remotePath, maxBytes, size: now } },
      );
    }
    throw transferError(remotePath, received, `it grew from ${size} to ${now} bytes during the transfer`);
  }

  // One slot reads a chunk, writes it, then takes the next: disk writes of one slot overlap the
  // network reads of the others, and memory stays at slots × chunk.
  async function slot(): Promise<void> {
    const buffer = Buffer.allocUnsafe(Math.min(chunk, Math.max(size, 1)));
    while (failure === undefined) {
      if (next >= size) {
        if (probed) return;
        probed = true;
        await probeEnd(buffer);
        return;
      }
      const position = next;
      const length = Math.min(buffer.length, size - position);
      next += length;
      let got = 0;
      // A server may return fewer bytes than asked; ask again for the rest.
      while (got < length) {
        const n = await sftpOps
          .read(sftp, handle, buffer, got, length - got, position + got)
          .catch((err: unknown) => {
            throw transferError(remotePath, received, String(err), err);
          });
        if (n === 0) {
          throw transferError(remotePath, received, `it ended at ${position + got} of ${size} bytes`);
        }
        got += n;
        received += n;
        onProgress?.(received, size);
      }
      await local.write(buffer, 0, length, position);
    }
  }

  await Promise.all(
    Array.from({ length: slots }, () =>
      slot().catch((err: unknown) => {
        failure ??= err;
      }),
    ),
  );
  closeRemote(sftp, handle);
  try {
    if (failure === undefined) await local.sync();
  } finally {
    await local.close();
  }
  if (failure !== undefined) throw failure;
  return received;
}
