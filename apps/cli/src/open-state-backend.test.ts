/**
 * The CLI on SQLite never loads the PostgreSQL driver (its cold start is benchmarked with `imgate pairing list`):
 * the real CLI runs with a module hook that reports every module resolved from the `pg` package.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "@imgate/imsg-sim/testing";
import { afterAll, describe, expect, it } from "vitest";
import { childEnv, cliArgv, makeTempDir, removeTempDirs, repoRoot } from "./testing/run-cli.ts";

afterAll(removeTempDirs);

const MARK = "LOADED-PG-DRIVER";
/** A module hook (Node's synchronous `registerHooks`) writing {@link MARK} once `pg` is resolved. */
const hook = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from "node:module";
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    if (/\\/node_modules\\/pg\\//.test(resolved.url)) process.stderr.write("${MARK}\\n");
    return resolved;
  },
});`)}`;

function run(
  args: string[],
  env: Record<string, string | undefined>,
): { code: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ["--import", hook, ...cliArgv(args)], {
    cwd: repoRoot,
    env: childEnv(env),
    encoding: "utf8",
  });
  return { code: result.status, stderr: result.stderr };
}

describe("openStateBackend: the PostgreSQL driver only for gateway.state.postgres", () => {
  it("SQLite: pause, pairing list, status and resume on the state file load no pg", async () => {
    const home = makeTempDir();
    const config = join(home, "imgate.json5");
    writeFileSync(
      config,
      `{ channels: { imessage: { dmPolicy: 'pairing' } }, gateway: { http: { port: ${await freePort()} } } }\n`,
    );
    const env = { HOME: home, IMGATE_STATE_DIR: join(home, "state") };
    // `pause` first: the later commands find a state file and open it.
    for (const args of [["pause"], ["pairing", "list"], ["status"], ["resume"]]) {
      const result = run([...args, "--config", config], env);
      expect(result.stderr, args.join(" ")).not.toContain(MARK);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(args[0] === "status" ? 1 : 0);
    }
  });

  it("PostgreSQL: the same command loads it (the hook sees the driver when it is used)", () => {
    const home = makeTempDir();
    const config = join(home, "imgate.json5");
    writeFileSync(config, "{ gateway: { state: { postgres: { urlEnv: 'CLI_TEST_PG_URL' } } } }\n");
    const result = run(["pairing", "list", "--config", config], {
      HOME: home,
      // Nothing listens there: the driver loads, then the CLI reports the unreachable database.
      CLI_TEST_PG_URL: `postgresql://imgate@localhost:5432/imgate?host=${encodeURIComponent(join(home, "none"))}`,
    });
    expect(result.stderr).toContain(MARK);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("imgate: Cannot reach PostgreSQL at ");
  });
});
