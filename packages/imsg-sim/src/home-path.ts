import { homedir } from "node:os";
import { join } from "node:path";

/** The home directory of this process (`HOME` wins, as in imsg, which expands `~` against its own home). */
export function processHome(): string {
  return process.env.HOME || homedir();
}

/** Expands a leading `~` or `~/` against this process's home; other paths are returned unchanged. */
export function expandHome(path: string): string {
  if (path === "~") return processHome();
  if (path.startsWith("~/")) return join(processHome(), path.slice(2));
  return path;
}

/** Abbreviates an absolute path under this process's home to `~/…`, as Messages stores attachment paths. */
export function abbreviateHome(path: string): string {
  const home = processHome();
  return path.startsWith(`${home}/`) ? `~/${path.slice(home.length + 1)}` : path;
}

/** imsg's default database location. */
export const DEFAULT_DB_PATH = "~/Library/Messages/chat.db";
