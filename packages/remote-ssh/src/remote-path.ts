import { posix } from "node:path";
import { z } from "zod";

/** A path on the remote Mac: absolute or `~/…`, no NUL, at most 4096 bytes. */
export const remotePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes("\0"), "a remote path cannot contain a NUL byte")
  .refine(
    (p) => p.startsWith("/") || p === "~" || p.startsWith("~/"),
    "a remote path must be absolute or start with ~/",
  );

/** Expands a leading `~` against the remote home and normalises `.`/`..` segments (lexically). */
export function expandRemotePath(path: string, remoteHome: string): string {
  const expanded =
    path === "~" ? remoteHome : path.startsWith("~/") ? posix.join(remoteHome, path.slice(2)) : path;
  const normalised = posix.normalize(expanded);
  return normalised.length > 1 ? normalised.replace(/\/+$/, "") : normalised;
}

/** True when `path` is `root` or lies below it (both already resolved and normalised). */
export function isInsideRoot(path: string, root: string): boolean {
  if (root === "/") return path.startsWith("/");
  return path === root || path.startsWith(`${root}/`);
}
