import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";

afterAll(removeTempDirs);

/** A loopback port with nothing listening (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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
