import { isConfigError } from "./config/config-error.ts";
import { formatConfigWarnings } from "./config/config-warning.ts";
import { loadConfig } from "./config/load-config.ts";
import { resolveConfigPath, resolveStateDir } from "./config/resolve-state-dir.ts";
import { isGatewayError } from "./errors/gateway-error.ts";
import { startGateway } from "./gateway.ts";
import { createLogger } from "./logging/create-logger.ts";
import { loadPrettyPrinter } from "./logging/load-pretty-printer.ts";

/** Options of {@link runGatewayForeground}. */
export interface RunGatewayOptions {
  /** `--config`; else `IMGATE_CONFIG`, else `~/.imgate/imgate.json5`. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
}

/** Secret values the logger must scrub: the control token and every backend's key or secret. */
function secretsOf(
  config: Awaited<ReturnType<typeof loadConfig>>["config"],
  env: NodeJS.ProcessEnv,
): string[] {
  const names = [config.gateway.http.tokenEnv];
  for (const agent of config.agents.list) {
    if (agent.backend.type === "openai" && agent.backend.apiKeyEnv) names.push(agent.backend.apiKeyEnv);
    if (agent.backend.type === "webhook") names.push(agent.backend.secretEnv);
  }
  return names
    .map((name) => env[name])
    .filter((value): value is string => typeof value === "string" && value !== "");
}

/**
 * Runs the gateway in the foreground until SIGINT or SIGTERM, then stops it gracefully (a second signal
 * exits at once). Resolves with the exit code: 0 after a clean stop, 1 on failure, 2 for a bad config.
 */
export async function runGatewayForeground(options: RunGatewayOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const path = resolveConfigPath({ explicitPath: options.configPath, env });
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig({ path });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return isConfigError(error) ? 2 : 1;
  }
  // pino-pretty only for a person at a terminal; JSON logging (services, pipes) never loads it.
  const prettify = process.stdout.isTTY ? await loadPrettyPrinter({ colorize: true }) : undefined;
  const logger = createLogger({
    level: env.IMGATE_LOG_LEVEL ?? "info",
    secrets: secretsOf(loaded.config, env),
    ...(prettify ? { prettify } : {}),
  });
  const ignoredKeys = loaded.warnings.filter((w) => w.code === "original-gateway-key").map((w) => w.path);
  for (const line of formatConfigWarnings(loaded.warnings)) {
    logger.warn(line.startsWith("no agents") ? {} : { ignoredKeys }, `config: ${line}`);
  }
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    gateway = await startGateway({
      config: loaded.config,
      configPath: path,
      stateDir: resolveStateDir(env, loaded.config, path),
      logger,
      env,
    });
  } catch (error) {
    // A refused start (port taken, unusable state dir) is an expected condition: one line, no stack.
    if (isGatewayError(error))
      logger.error({ code: error.code }, `gateway could not start: ${error.message}`);
    else logger.error({ err: error }, "gateway could not start");
    process.stderr.write(`${(error as Error).message}\n`);
    return isGatewayError(error) && error.code === "CONTROL_API_UNSAFE" ? 2 : 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, "second signal: exiting without waiting");
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, "stopping");
      gateway.stop().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          resolve(1);
        },
      );
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
