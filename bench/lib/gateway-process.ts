/**
 * Runs `imgate gateway --config F` as its own process (the CLI's source entry, with the
 * `@imgate/source` condition) for the process-level benchmarks, and stops it with SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./stats.ts";

/** The repository root (bench/lib/../..). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI_MAIN = join(REPO_ROOT, "apps/cli/src/main.ts");

/** A gateway child process. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** `http://127.0.0.1:<port>` of its control API. */
  readonly url: string;
  /** Resolves with the `/readyz` body once every account is ready. */
  ready(timeoutMs?: number): Promise<unknown>;
  /** GET `/metrics` as text. */
  metrics(): Promise<string>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Options of {@link startGatewayProcess}. */
export interface GatewayProcessOptions {
  /** Working directory for the config file and the state directory. */
  dir: string;
  /** The `channels.imessage` section. */
  imessage: Record<string, unknown>;
  /** Extra environment (imsg-sim switches, peer settings). */
  env?: Record<string, string>;
  /**
   * `source` (default): `node --conditions=@imgate/source apps/cli/src/main.ts` — the working tree.
   * `launcher`: `./imgate` (scripts/toolchain.sh, then the built `apps/cli/dist/main.js`) — what users run;
   * it builds first when the sources changed. Memory figures use it: type stripping costs RSS.
   */
  entry?: "source" | "launcher";
}

/** Writes a config with the echo agent and starts the gateway on it. */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const port = await freePort();
  const configPath = join(options.dir, "imgate.json5");
  const config = {
    // The bench measures the gateway, not Apple's pacing: the outbound limits (issue 15) are off here.
    channels: {
      imessage: {
        limits: { newContactsPerHour: 0, newContactsPerDay: 0, minSendIntervalMs: 0, maxPerDay: 0 },
        ...options.imessage,
      },
    },
    agents: { list: [{ id: "main", default: true, backend: { type: "echo" } }] },
    gateway: { http: { host: "127.0.0.1", port }, shutdownTimeoutMs: 5_000 },
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of each gateway run there (see bench/README.md).
  const profile = process.env.BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const [command, args] =
    options.entry === "launcher"
      ? [join(REPO_ROOT, "imgate"), ["gateway", "--config", configPath]]
      : [
          process.execPath,
          ["--conditions=@imgate/source", ...profile, CLI_MAIN, "gateway", "--config", configPath],
        ];
  const child = spawn(command, args, {
    cwd: options.dir,
    env: {
      ...process.env,
      IMGATE_STATE_DIR: join(options.dir, "state"),
      IMGATE_LOG_LEVEL: "warn",
      IMGATE_TOKEN: "",
      ...options.env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  return {
    child,
    pid: child.pid ?? 0,
    url,
    ready: (timeoutMs = 60_000) =>
      waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`bench: the gateway exited (${child.exitCode})`);
          const response = await fetch(`${url}/readyz`).catch(() => undefined);
          return response?.status === 200 ? await response.json() : undefined;
        },
        "the gateway's /readyz",
        timeoutMs,
        100,
      ),
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Writes an executable `sh` wrapper that runs `script` with this Node (usable as a `cliPath`). */
export function writeNodeWrapper(path: string, script: string, env: Record<string, string> = {}): string {
  const exports = Object.entries(env)
    .map(([key, value]) => `export ${key}='${value}'\n`)
    .join("");
  writeFileSync(path, `#!/bin/sh\n${exports}exec '${process.execPath}' '${script}' "$@"\n`, { mode: 0o755 });
  return path;
}
