import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The home directory: `HOME` from `env` when set and non-empty, else the OS's. The one rule every layer
 * uses for `~` (the gateway, the CLI, the channel's probe and the SSH transport).
 */
export function homeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME && env.HOME.length > 0 ? env.HOME : homedir();
}

/** Expands a leading `~` or `~/` to {@link homeDirectory}; any other path is returned unchanged. */
export function expandHome(path: string, env: NodeJS.ProcessEnv = process.env): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  const home = homeDirectory(env);
  return path === "~" ? home : join(home, path.slice(2));
}
