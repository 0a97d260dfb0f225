import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";

/** Size and SHA-256 of a file's bytes. */
export interface FileDigest {
  bytes: number;
  /** Lower-case hex. */
  sha256: string;
}

/** Size and SHA-256 of a local file (streamed), or undefined when it is not a readable regular file. */
export async function digestFile(path: string): Promise<FileDigest | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { bytes, sha256: hash.digest("hex") };
  } catch {
    return undefined;
  }
}

/** {@link digestFile} of each path (unreadable ones left out), by path. */
export async function digestFiles(paths: Iterable<string>): Promise<Map<string, FileDigest>> {
  const digests = new Map<string, FileDigest>();
  for (const path of paths) {
    const digest = await digestFile(path);
    if (digest) digests.set(path, digest);
  }
  return digests;
}
