import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "@imgate/imsg-sim/testing";
import { afterAll, describe, expect, it } from "vitest";
import { imsgSimToolPath, makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";
import { writeSimConfig } from "../testing/sim-config.ts";

afterAll(removeTempDirs);

interface Report {
  ok: boolean;
  checks: { id: string; status: string; detail: string; fix?: string }[];
}

describe("imgate doctor", () => {
  it("passes on a good setup (imsg-sim, existing database, private state dir, token)", async () => {
    const home = makeTempDir();
    const port = await freePort();
    const db = join(home, "chat.db");
    execFileSync(imsgSimToolPath, ["inject", "--db", db, "--from", "+15550001111", "--text", "hi"]);
    const stateDir = join(home, "state");
    mkdirSync(stateDir, { mode: 0o700 });
    const config = writeSimConfig({ home, db, stateDir, port });
    const run = await runCli(["doctor", "--json", "--config", config], {
      env: { HOME: home, IMGATE_TOKEN: "a-long-random-token-0123456789" },
    });
    const report = JSON.parse(run.stdout) as Report;
    expect(report.checks.filter((c) => c.status === "fail")).toEqual([]);
    expect(run.code).toBe(0);
    const ids = report.checks.map((c) => c.id);
    for (const id of [
      "node",
      "config",
      "account.default.imsg",
      "account.default.rpc",
      "account.default.database",
      "account.default.fullDiskAccess",
      "stateDir",
      "token",
    ]) {
      expect(ids).toContain(id);
    }
  });

  it("fails (exit 1) on a broken setup and names each fix", async () => {
    const home = makeTempDir();
    const port = await freePort();
    const stateDir = join(home, "state");
    mkdirSync(stateDir);
    chmodSync(stateDir, 0o777);
    const config = join(home, "imgate.json5");
    writeFileSync(
      config,
      `{ channels: { imessage: { cliPath: "/nonexistent/imsg" } }, gateway: { stateDir: ${JSON.stringify(stateDir)}, http: { port: ${port} } } }`,
    );
    const run = await runCli(["doctor", "--config", config], { env: { HOME: home } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("✗ account default: imsg not found (/nonexistent/imsg)");
    expect(run.stdout).toMatch(/fix: Install imsg/);
    // Loose permissions are fixed by the gateway at start: a warning, not a failure.
    expect(run.stdout).toMatch(
      /! state directory .* readable by others \(mode 0777\).*\n\s+fix: Run `chmod 700/,
    );
    expect(run.stdout).toMatch(/checks? failed\.$/m);
  });

  it("reports an invalid config as a failed check with its key path", async () => {
    const home = makeTempDir();
    const config = join(home, "imgate.json5");
    writeFileSync(config, `{ channels: { imessage: { dmPolcy: "open" } } }`);
    const run = await runCli(["doctor", "--json", "--config", config], { env: { HOME: home } });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.checks.find((c) => c.id === "config")?.detail).toContain("channels.imessage.dmPolcy");
  });
});
