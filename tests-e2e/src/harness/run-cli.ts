import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO_ROOT: string = fileURLToPath(new URL("../../../", import.meta.url));
/** `apps/cli/src/main.ts`: the `imgate` entry point, run from source. */
export const CLI_MAIN: string = fileURLToPath(new URL("../../../apps/cli/src/main.ts", import.meta.url));

/** What one CLI run produced. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Extra environment (`undefined` removes a variable). Use a workspace's `home` as HOME. */
  env?: Record<string, string | undefined>;
  /** Text for stdin (default: none, stdin closed). */
  input?: string;
}

/** The environment every imgate child gets: the parent's, minus anything that would reach real state. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {
    ...process.env,
    IMGATE_CONFIG: undefined,
    IMGATE_STATE_DIR: undefined,
    IMGATE_TOKEN: undefined,
    NO_COLOR: "1",
    ...extra,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env as NodeJS.ProcessEnv;
}

/** The argv prefix that runs the CLI from source: `node --conditions=@imgate/source … main.ts`. */
export function cliArgv(args: readonly string[]): string[] {
  return ["--conditions=@imgate/source", "--no-warnings", CLI_MAIN, ...args];
}

/** Runs `imgate <args>` from source as a child process and resolves when it exits. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, cliArgv(args), {
    cwd: REPO_ROOT,
    env: childEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(options.input ?? "");
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
