/**
 * `imgate gateway`: runs the gateway in the foreground until SIGINT/SIGTERM, then shuts it down
 * gracefully (a second signal exits at once).
 */
import { z } from "zod";
import { loadConfig } from "../cli-config.ts";
import { CliError, ExitCode } from "../cli-error.ts";

const optionsSchema = z.object({ config: z.string().optional() });

/** What the CLI needs from the gateway's `startGateway` (looked up at run time; see the report). */
interface RunningGateway {
  stop(): Promise<void>;
}
type StartGateway = (options: {
  config: unknown;
  configPath: string;
  stateDir: string;
  logger: unknown;
  env: NodeJS.ProcessEnv;
}) => Promise<RunningGateway>;

/** Starts the gateway and resolves with the exit code once it has stopped. */
export async function runGateway(rawOptions: unknown): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  const loaded = await loadConfig(options.config);
  const gateway = await import("@imgate/gateway");
  const tokenEnv = loaded.config.gateway.http.tokenEnv;
  const token = process.env[tokenEnv];
  const logger = gateway.createLogger({
    level: process.env.IMGATE_LOG_LEVEL ?? "info",
    ...(token ? { secrets: [token] } : {}),
  });

  const startGateway = (gateway as Record<string, unknown>).startGateway as StartGateway | undefined;
  if (typeof startGateway !== "function") {
    throw new CliError(
      "CLI_FAILED",
      "@imgate/gateway does not export startGateway yet; update the workspace and rebuild.",
    );
  }
  let running: RunningGateway;
  try {
    running = await startGateway({
      config: loaded.config,
      configPath: loaded.file.path,
      stateDir: loaded.stateDir,
      logger,
      env: process.env,
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = (error as Error).message ?? String(error);
    throw new CliError("CLI_FAILED", `The gateway could not start: ${message}`, { cause: error });
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, "second signal: exiting without waiting");
        process.exit(ExitCode.failure);
      }
      stopping = true;
      logger.info({ signal }, "stopping");
      running.stop().then(
        () => resolve(ExitCode.ok),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          resolve(ExitCode.failure);
        },
      );
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
