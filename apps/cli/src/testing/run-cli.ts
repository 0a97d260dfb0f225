/**
 * Test helpers: run the real `imgate` entry point (from source) as a child process with a private HOME,
 * and make temporary directories that are removed after each test file.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChildOutput, collectChildOutput } from "../collect-child-output.ts";

/** `apps/cli/src/main.ts`. */
export const mainPath = fileURLToPath(new URL("../main.ts", import.meta.url));
/** The repository root. */
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
/** The imsg stand-in, usable as `cliPath`. */
export const imsgSimPath = join(repoRoot, "packages", "imsg-sim", "bin", "imsg");
/** The stand-in's `inject` entry. */
export const imsgSimToolPath = join(repoRoot, "packages", "imsg-sim", "bin", "imsg-sim");

/** What a CLI run produced. */
export type CliRun = ChildOutput;

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Extra environment (`undefined` removes a variable); `IMGATE_*` are cleared unless given. */
  env?: Record<string, string | undefined>;
  /** Text for stdin (default: none, stdin closed). */
  input?: string;
  /** Working directory (default: the repository root). */
  cwd?: string;
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

/** The node argv that runs the CLI from source: `--conditions=@imgate/source … main.ts <args>`. */
export function cliArgv(args: readonly string[]): string[] {
  return ["--conditions=@imgate/source", "--no-warnings", mainPath, ...args];
}

/** Runs `imgate <args>` from source and resolves when it exits. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliRun> {
  const child = spawn(process.execPath, cliArgv(args), {
    cwd: options.cwd ?? repoRoot,
    env: childEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const output = collectChildOutput(child);
  child.stdin.end(options.input ?? "");
  return output;
}

const made: string[] = [];

/** A fresh temporary directory; {@link removeTempDirs} deletes all of them. */
export function makeTempDir(prefix = "imgate-cli-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Deletes every directory made by {@link makeTempDir}; call from `afterAll`. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
