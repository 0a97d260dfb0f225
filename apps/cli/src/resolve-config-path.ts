/** Where the config file and the state directory are, following DESIGN.md's precedence rules. */
import { isAbsolute, resolve } from "node:path";
import { expandHome } from "@imgate/remote-ssh/expand-home";

/** The config file used when neither `--config` nor `IMGATE_CONFIG` is given. */
export const DEFAULT_CONFIG_PATH = "~/.imgate/imgate.json5";

/** The state directory used when neither `IMGATE_STATE_DIR` nor `gateway.stateDir` is set. */
export const DEFAULT_STATE_DIR = "~/.imgate";

/** Expands a leading `~` to the home directory and makes the path absolute (relative to `base`). */
export function expandPath(path: string, base = process.cwd()): string {
  const expanded = expandHome(path);
  return isAbsolute(expanded) ? expanded : resolve(base, expanded);
}

/** Where a config path came from, for messages ("set by IMGATE_CONFIG"). */
export type ConfigPathSource = "flag" | "env" | "default";

/** The resolved config file path and where it came from. */
export interface ResolvedConfigPath {
  path: string;
  source: ConfigPathSource;
}

/** `--config PATH`, else `IMGATE_CONFIG`, else {@link DEFAULT_CONFIG_PATH}. */
export function resolveConfigPath(flag: string | undefined, env = process.env): ResolvedConfigPath {
  if (flag) return { path: expandPath(flag), source: "flag" };
  if (env.IMGATE_CONFIG) return { path: expandPath(env.IMGATE_CONFIG), source: "env" };
  return { path: expandPath(DEFAULT_CONFIG_PATH), source: "default" };
}

/**
 * `IMGATE_STATE_DIR`, else the config's `gateway.stateDir` (relative paths resolve against the config file's
 * directory), else {@link DEFAULT_STATE_DIR}.
 */
export function resolveStateDir(
  configStateDir: string | undefined,
  configDir: string,
  env = process.env,
): string {
  if (env.IMGATE_STATE_DIR) return expandPath(env.IMGATE_STATE_DIR);
  if (configStateDir) return expandPath(configStateDir, configDir);
  return expandPath(DEFAULT_STATE_DIR);
}
