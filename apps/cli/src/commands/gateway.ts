/**
 * `imgate gateway`: runs the gateway in the foreground until SIGINT/SIGTERM (graceful stop; a second
 * signal exits at once). The config is checked first so that a bad file fails like every other command
 * (exit 2, key paths named); the gateway's own foreground runner does the rest.
 */
import { z } from "zod";
import { loadConfig } from "../cli-config.ts";

const optionsSchema = z.object({ config: z.string().optional() });

/** Starts the gateway and resolves with the exit code once it has stopped. */
export async function runGateway(rawOptions: unknown): Promise<number> {
  const options = optionsSchema.parse(rawOptions);
  const loaded = await loadConfig(options.config);
  const { runGatewayForeground } = await import("@imgate/gateway");
  return runGatewayForeground({ configPath: loaded.file.path, env: process.env });
}
