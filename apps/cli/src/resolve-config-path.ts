/**
 * Where the config file is, following DESIGN.md's precedence rules. The state directory is the gateway's
 * `resolveStateDir` (one rule for the CLI and the gateway).
 */
import { isAbsolute, resolve } from "node:path";
import { expandHome } from "@imgate/remote-ssh/expand-home";

/** The config file used when neither `--config` nor `IMGATE_CONFIG` is given. */
export const DEFAULT_CONFIG_PATH = "~/.imgate/imgate.json5";

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
