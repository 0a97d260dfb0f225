/**
 * `@imgate/cli/testing`: run the real `imgate` entry point from source as a child process, for this package's
 * tests and for tests-e2e. Not part of the CLI's public API.
 */

export {
  type CliRun,
  childEnv,
  cliArgv,
  imsgSimPath,
  imsgSimToolPath,
  mainPath,
  makeTempDir,
  type RunCliOptions,
  removeTempDirs,
  repoRoot,
  runCli,
} from "./run-cli.ts";
