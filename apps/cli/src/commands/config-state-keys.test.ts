import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";

afterAll(removeTempDirs);

function configWith(gateway: string): { dir: string; config: string } {
  const dir = makeTempDir();
  const config = join(dir, "imgate.json5");
  writeFileSync(
    config,
    `{ agents: { list: [{ id: "main", backend: { type: "echo" } }] }, gateway: ${gateway} }`,
  );
  return { dir, config };
}

describe("imgate config with gateway.state and gateway.leases", () => {
  it("validate: a database URL written as urlEnv and a ttl over the 30 s takeover bound, each named with its fix (exit 2), the password never printed", async () => {
    const { dir, config } = configWith(
      `{ state: { postgres: { urlEnv: "postgresql://imgate:Pw-leak-93@db:5432/imgate" } }, leases: { ttlMs: 60000 } }`,
    );
    const run = await runCli(["config", "validate", "--config", config], { env: { HOME: dir } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "gateway.state.postgres.urlEnv: must be the NAME of an environment variable, not the database URL",
    );
    expect(run.stderr).toContain(
      "gateway.leases.ttlMs: must be at most 22500 ms: a standby takes over within ttl + ttl/3 (here 80000 ms), which must stay within 30 s; lower it",
    );
    expect(`${run.stdout}${run.stderr}`).not.toContain("Pw-leak-93");

    const json = await runCli(["config", "validate", "--json", "--config", config], { env: { HOME: dir } });
    expect(json.code).toBe(2);
    expect(json.stdout).not.toContain("Pw-leak-93");
    expect(json.stdout).toContain("gateway.leases.ttlMs");
  });

  it("validate accepts a variable name and a ttl in bounds; schema documents both keys with their bounds", async () => {
    const { dir, config } = configWith(
      `{ state: { postgres: { urlEnv: "TEAM_PG_URL" } }, leases: { ttlMs: 9000 } }`,
    );
    const run = await runCli(["config", "validate", "--config", config], { env: { HOME: dir } });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);

    const schema = await runCli(["config", "schema"], { env: { HOME: dir } });
    const gateway = JSON.parse(schema.stdout).properties.gateway.properties;
    expect(gateway.leases.properties.ttlMs).toMatchObject({ minimum: 3000, maximum: 22500, default: 15000 });
    expect(gateway.state.properties.postgres.properties.urlEnv).toMatchObject({
      type: "string",
      pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
      default: "IMGATE_DATABASE_URL",
    });
    expect(gateway.state.properties.postgres.description).toMatch(/Absent: this gateway's own SQLite file/);
  });
});
