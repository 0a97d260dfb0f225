import { type ChildProcess, spawn } from "node:child_process";
import { type CliRun, childEnv, cliArgv, repoRoot, runCli } from "@imgate/cli/testing";
import {
  freePort,
  IMSG_BIN,
  type InjectedMessage,
  type InjectMessageOptions,
  injectMessage,
} from "@imgate/imsg-sim/testing";
import { writeConfigFile } from "./config-file.ts";
import { mergeConfig } from "./merge-config.ts";
import { metricValue } from "./metrics.ts";
import { descendantsOf, reapProcesses } from "./process-exit.ts";
import { outgoingTexts } from "./sim-db.ts";
import { waitFor } from "./wait-for.ts";
import { createWorkspace, type Workspace } from "./workspace.ts";

/** imsg-sim behaviour family (`IMSG_SIM_COMPAT`). */
export type Compat = "0.9" | "0.15";

/** Both compat modes, for `describe.each(COMPAT_MODES)`. */
export const COMPAT_MODES: readonly Compat[] = ["0.9", "0.15"];

/** One parsed pino log line of the gateway (`msg`, `level` 10–60, plus its fields). */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** How a gateway process ended. */
export interface GatewayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link startGateway}. */
export interface StartGatewayOptions {
  /**
   * Config, deep-merged over the sim defaults: `channels.imessage.cliPath` = imsg-sim's `bin/imsg`,
   * `dbPath` = the workspace's chat.db, `limits` all 0 and `messages.stormTurnsPerMinute` 0 (off), one echo agent `main` (`agents.list` replaces it), `gateway.http` on 127.0.0.1 and a free port, `shutdownTimeoutMs` 5000.
   */
  config?: object;
  /** Comments for the written file, by dotted key path (see `writeConfigFile`). */
  comments?: Readonly<Record<string, string>>;
  /** imsg-sim mode; default "0.15". */
  compat?: Compat;
  /** Extra environment for the gateway (inherited by the imsg-sim child); `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Where everything lives; default a new workspace, disposed by `dispose()`. */
  workspace?: Workspace;
  /**
   * The stand-in's chat.db: `channels.imessage.dbPath`, and where `inject` / `outgoing` read and write. Default
   * the workspace's. Another gateway's `dbPath` makes two gateways serve one Messages database (a standby).
   */
  dbPath?: string;
  /** Wait until the control API says ready and the watch is subscribed (default true). */
  waitReady?: boolean;
  /** Deadline for readiness (default 20 s). */
  readyTimeoutMs?: number;
  /**
   * Run the gateway in its own process group, so a test can signal the whole group the way a terminal's
   * Ctrl-C does (`process.kill(-pid, "SIGINT")`). Default false.
   */
  processGroup?: boolean;
}

/** A gateway running as a real child process (`imgate gateway --config <file>`). */
export interface GatewayProcess {
  readonly workspace: Workspace;
  readonly compat: Compat;
  /** The config file the gateway reads. */
  readonly configPath: string;
  /** The stand-in's chat.db. */
  readonly dbPath: string;
  /** `http://127.0.0.1:<port>` of the control API. */
  readonly controlUrl: string;
  /** Pid of the current gateway process. */
  readonly pid: number;
  /** True while the current process has not exited. */
  readonly running: boolean;
  /** Everything the gateway printed on stdout / stderr, across restarts. */
  readonly stdout: string;
  readonly stderr: string;
  /** Parsed JSON log lines of the current run (`allRuns`: of every run since start). */
  logs(options?: { allRuns?: boolean }): LogLine[];
  /** Polls the current run's log lines until one matches; returns it. */
  waitForLog(
    predicate: (line: LogLine) => boolean,
    options?: { timeoutMs?: number; what?: string },
  ): Promise<LogLine>;
  /** Resolves when the current process exits. */
  readonly exited: Promise<GatewayExit>;
  /** Sends `signal`, waits for the exit and reaps the imsg-sim children left behind. */
  kill(signal?: NodeJS.Signals): Promise<GatewayExit>;
  /** SIGTERM and wait (graceful stop). No-op when not running. */
  stop(): Promise<GatewayExit | undefined>;
  /** Stops (if running) and starts again with the same config file and env; waits for readiness. */
  restart(): Promise<void>;
  /** The config as last written (sim defaults merged with the test's config). */
  readonly config: Record<string, unknown>;
  /**
   * Deep-merges `override` into the config and rewrites the file (same comments). Does not restart: call
   * `restart()`, or wait for the gateway's own reload (`waitForLog(l => l.msg === "config reloaded")`).
   */
  updateConfig(override: object): void;
  /** Adds an inbound message to the chat.db (imsg-sim's `injectMessage`). */
  inject(message: InjectMessageOptions): InjectedMessage;
  /** Texts the bot sent into `chatId`, oldest first. */
  outgoing(chatId: number): string[];
  /** `GET /metrics` of the control API, parsed for one sample (0 when absent); see `metricValue`. */
  metric(name: string, labels?: Readonly<Record<string, string>>): Promise<number>;
  /** Runs `imgate <args> --config <configPath>` with this gateway's env and state dir. */
  cli(args: readonly string[]): Promise<CliRun>;
  /** Stops the gateway (SIGKILL if it does not stop) and removes the workspace if it created it. */
  dispose(): Promise<void>;
}

/**
 * Writes a config file into a workspace and runs the gateway from source against imsg-sim:
 * `node --conditions=@imgate/source apps/cli/src/main.ts gateway --config <file>` with `IMGATE_STATE_DIR`,
 * a private HOME, `IMSG_SIM_COMPAT` and `IMGATE_LOG_LEVEL=debug` (override through `env`).
 */
export async function startGateway(options: StartGatewayOptions = {}): Promise<GatewayProcess> {
  const ownsWorkspace = options.workspace === undefined;
  const workspace = options.workspace ?? createWorkspace();
  const compat = options.compat ?? "0.15";
  const dbPath = options.dbPath ?? workspace.dbPath;
  const port = await freePort();
  let config = mergeConfig(
    {
      // Outbound limits and the reply-storm brake (issue 15) off by default here: the suite sends hundreds of
      // messages to new handles, many to one chat, in seconds. Tests of them set them
      // (tests-e2e/src/sending-safety.test.ts, liveness.test.ts).
      channels: {
        imessage: {
          cliPath: IMSG_BIN,
          dbPath,
          limits: { newContactsPerHour: 0, newContactsPerDay: 0, minSendIntervalMs: 0, maxPerDay: 0 },
        },
      },
      messages: { stormTurnsPerMinute: 0 },
      // Explicit: the echo agent is never an implicit default for a real config (issue 10 item 7).
      agents: { list: [{ id: "main", default: true, backend: { type: "echo" } }] },
      gateway: { http: { host: "127.0.0.1", port }, shutdownTimeoutMs: 5_000 },
    },
    options.config ?? {},
  );
  const writeFile = () =>
    writeConfigFile(workspace.configPath, config, {
      header: ["written by tests-e2e"],
      ...(options.comments ? { comments: options.comments } : {}),
    });
  writeFile();
  const httpPort = ((config.gateway as { http?: { port?: number } }).http?.port ?? port) as number;
  const controlUrl = `http://127.0.0.1:${httpPort}`;
  const env = {
    HOME: workspace.home,
    IMGATE_STATE_DIR: workspace.stateDir,
    IMGATE_LOG_LEVEL: "debug",
    IMSG_SIM_COMPAT: compat,
    IMSG_SIM_POLL_MS: "50",
    ...options.env,
  };

  let stdout = "";
  let stderr = "";
  const runs: LogLine[][] = [];
  let child!: ChildProcess;
  let exited!: Promise<GatewayExit>;
  let running = false;
  let children: number[] = [];

  const spawnOnce = async () => {
    const lines: LogLine[] = [];
    runs.push(lines);
    let partial = "";
    child = spawn(process.execPath, cliArgv(["gateway", "--config", workspace.configPath]), {
      cwd: repoRoot,
      env: childEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.processGroup === true,
    });
    running = true;
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      partial += chunk;
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      for (const part of parts) {
        try {
          lines.push(JSON.parse(part) as LogLine);
        } catch {
          // Not a log line (e.g. a stray print); still kept in `stdout`.
        }
      }
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const proc = child;
    exited = new Promise((resolve) => {
      proc.on("exit", (code, signal) => {
        running = false;
        resolve({ code, signal });
      });
    });
    if (options.waitReady === false) return;
    const timeoutMs = options.readyTimeoutMs ?? 20_000;
    const failed = exited.then((exit) => {
      throw new Error(`gateway exited during startup (${JSON.stringify(exit)}); stderr:\n${stderr}`);
    });
    const ready = (async () => {
      await waitFor(() => lines.some((line) => line.msg === "imsg watch subscribed") || !running, {
        timeoutMs,
        what: "the gateway's imsg watch to subscribe",
      });
      await waitFor(
        async () =>
          !running ||
          (await fetch(`${controlUrl}/readyz`).then(
            (response) => response.status === 200,
            () => false,
          )),
        { timeoutMs, what: "GET /readyz to answer 200" },
      );
    })();
    await Promise.race([ready, failed]);
    failed.catch(() => {});
    // imsg-sim children, for reaping after a kill (an orphan of SIGKILL exits at stdin EOF by itself).
    children = descendantsOf(proc.pid as number);
  };

  const kill = async (signal: NodeJS.Signals = "SIGTERM"): Promise<GatewayExit> => {
    const tree = [...new Set([...children, ...(running ? descendantsOf(child.pid as number) : [])])];
    if (running) child.kill(signal);
    const exit = await exited;
    await reapProcesses(tree);
    return exit;
  };

  await spawnOnce();

  const handle: GatewayProcess = {
    workspace,
    compat,
    configPath: workspace.configPath,
    dbPath,
    controlUrl,
    get pid() {
      return child.pid as number;
    },
    get running() {
      return running;
    },
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    get exited() {
      return exited;
    },
    logs: (opts = {}) => (opts.allRuns ? runs.flat() : [...(runs.at(-1) ?? [])]),
    waitForLog: (predicate, opts = {}) =>
      waitFor(() => runs.at(-1)?.find(predicate), {
        timeoutMs: opts.timeoutMs ?? 20_000,
        what: opts.what ?? "a matching gateway log line",
      }),
    kill,
    stop: async () => (running ? kill("SIGTERM") : undefined),
    restart: async () => {
      if (running) await kill("SIGTERM");
      await spawnOnce();
    },
    get config() {
      return config;
    },
    updateConfig: (override) => {
      config = mergeConfig(config, override);
      writeFile();
    },
    inject: (message) => injectMessage(dbPath, message),
    outgoing: (chatId) => outgoingTexts(dbPath, chatId),
    metric: async (name, labels) =>
      metricValue(await (await fetch(`${controlUrl}/metrics`)).text(), name, labels),
    cli: (args) => runCli([...args, "--config", workspace.configPath], { env }),
    dispose: async () => {
      if (running) {
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await kill("SIGTERM");
        clearTimeout(timer);
      }
      if (ownsWorkspace) workspace.dispose();
    },
  };
  return handle;
}
