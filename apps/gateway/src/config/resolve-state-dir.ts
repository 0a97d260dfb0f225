import { dirname, resolve } from "node:path";
import { expandHome } from "./expand-home.ts";

/**
 * The gateway's state directory — the one rule the gateway and every CLI command use:
 * `IMGATE_STATE_DIR` (relative to the working directory), else `gateway.stateDir` (relative to the
 * directory of the config file it was read from, so the CLI and a service started elsewhere agree),
 * else `~/.imgate`. `~` is expanded and the result is absolute. Without `configPath` (a config built in
 * code), a relative `gateway.stateDir` resolves against the working directory.
 */
export function resolveStateDir(
  env: NodeJS.ProcessEnv,
  config?: { gateway?: { stateDir?: string | undefined } | undefined },
  configPath?: string,
): string {
  const fromEnv = env.IMGATE_STATE_DIR?.trim();
  if (fromEnv) return resolve(expandHome(fromEnv, env));
  const fromConfig = config?.gateway?.stateDir?.trim();
  if (fromConfig) {
    const base = configPath ? dirname(resolve(configPath)) : process.cwd();
    return resolve(base, expandHome(fromConfig, env));
  }
  return resolve(expandHome("~/.imgate", env));
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
