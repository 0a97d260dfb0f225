import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "@imgate/imsg-sim/testing";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";

afterAll(removeTempDirs);

describe("imgate status", () => {
  it("says the gateway is not running and how to start it (exit 1)", async () => {
    const dir = makeTempDir();
    const port = await freePort();
    const config = join(dir, "imgate.json5");
    writeFileSync(config, `{ gateway: { http: { port: ${port} } } }`);
    const run = await runCli(["status", "--config", config], { env: { HOME: dir } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`not running (nothing listens on http://127.0.0.1:${port})`);
    expect(run.stdout).toContain(`imgate gateway --config ${config}`);

    const json = await runCli(["status", "--json", "--config", config], { env: { HOME: dir } });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ running: false, url: `http://127.0.0.1:${port}` });
  });
});
