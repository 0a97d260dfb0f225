import { resolve } from "node:path";
import { expandHome } from "./expand-home.ts";

/**
 * The gateway's state directory: `IMGATE_STATE_DIR`, else `gateway.stateDir`, else `~/.imgate`; `~` is
 * expanded and the result made absolute.
 */
export function resolveStateDir(
  env: NodeJS.ProcessEnv,
  config?: { gateway?: { stateDir?: string | undefined } | undefined },
): string {
  const chosen = env.IMGATE_STATE_DIR?.trim() || config?.gateway?.stateDir?.trim() || "~/.imgate";
  return resolve(expandHome(chosen, env));
}

/**
 * The config file path: the explicit `--config` value, else `IMGATE_CONFIG`, else
 * `~/.imgate/imgate.json5`; `~` is expanded and the result made absolute.
 */
export function resolveConfigPath(options: {
  explicitPath?: string | undefined;
  env: NodeJS.ProcessEnv;
}): string {
  const chosen =
    options.explicitPath?.trim() || options.env.IMGATE_CONFIG?.trim() || "~/.imgate/imgate.json5";
  return resolve(expandHome(chosen, options.env));
}
