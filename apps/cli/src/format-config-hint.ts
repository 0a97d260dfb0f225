/** The ` --config PATH` suffix for suggested commands, when the config is not found by default. */
import type { ResolvedConfigPath } from "./resolve-config-path.ts";

/** ` --config <path>` when the path came from `--config`; empty otherwise (env or default still apply). */
export function formatConfigHint(config: ResolvedConfigPath): string {
  if (config.source !== "flag") return "";
  return ` --config ${/^[\w@%+=:,./-]+$/.test(config.path) ? config.path : JSON.stringify(config.path)}`;
}
