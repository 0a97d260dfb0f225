import { homedir } from "node:os";
import { join } from "node:path";

/** Expands a leading `~` or `~/` to the home directory (`HOME` from `env`, else the OS's). */
export function expandHome(path: string, env: NodeJS.ProcessEnv = process.env): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  const home = env.HOME && env.HOME.length > 0 ? env.HOME : homedir();
  return path === "~" ? home : join(home, path.slice(2));
}
