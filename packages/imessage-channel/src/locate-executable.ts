import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { expandHome } from "@imgate/remote-ssh";

/** Where a `cliPath` points: an executable file, a file that cannot be run, or nothing. */
export type ExecutableLookup =
  | { kind: "found"; path: string }
  | { kind: "not-executable"; path: string; reason: string }
  | { kind: "not-found" /** The path looked at, or "<name> is not on PATH". */; searched: string };

/**
 * Resolves `cliPath` like the gateway's spawn does: a path (absolute, `~`, or containing `/`) as is, a
 * bare name on `PATH`. Tells "not executable" (exists, but a directory or no x bit) from "not found".
 */
export function locateExecutable(cliPath: string, env: NodeJS.ProcessEnv = process.env): ExecutableLookup {
  const pathLike = cliPath.includes("/") || cliPath.startsWith("~");
  const candidates = pathLike
    ? [resolve(expandHome(cliPath, env))]
    : (env.PATH ?? "")
        .split(delimiter)
        .filter((dir) => dir !== "")
        .map((dir) => join(dir, cliPath));
  let unusable: { path: string; reason: string } | undefined;
  for (const candidate of candidates) {
    let isFile: boolean;
    try {
      isFile = statSync(candidate).isFile();
    } catch {
      continue;
    }
    if (!isFile) {
      unusable ??= { path: candidate, reason: "it is a directory, not a program" };
      continue;
    }
    try {
      accessSync(candidate, constants.X_OK);
      return { kind: "found", path: candidate };
    } catch {
      unusable ??= { path: candidate, reason: "it has no execute permission" };
    }
  }
  if (unusable) return { kind: "not-executable", ...unusable };
  return { kind: "not-found", searched: pathLike ? (candidates[0] ?? cliPath) : `${cliPath} is not on PATH` };
}
