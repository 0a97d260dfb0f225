import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { imsgSimPath } from "./run-cli.ts";

/** Options of {@link writeSimConfig}. */
export interface SimConfigOptions {
  /** Directory the config file is written into (as `imgate.json5`). */
  home: string;
  /** The imsg-sim chat.db the default account reads. */
  db: string;
  /** `gateway.stateDir`. */
  stateDir: string;
  /** `gateway.http.port` (a free one means no gateway is found there). */
  port: number;
}

/**
 * Writes `<home>/imgate.json5` with one account on the imsg stand-in and one explicit echo agent, and returns
 * its path.
 */
export function writeSimConfig(options: SimConfigOptions): string {
  const config = join(options.home, "imgate.json5");
  writeFileSync(
    config,
    `{ channels: { imessage: { cliPath: ${JSON.stringify(imsgSimPath)}, dbPath: ${JSON.stringify(options.db)} } },
       agents: { list: [{ id: "main", default: true, backend: { type: "echo" } }] },
       gateway: { stateDir: ${JSON.stringify(options.stateDir)}, http: { port: ${options.port} } } }`,
  );
  return config;
}
