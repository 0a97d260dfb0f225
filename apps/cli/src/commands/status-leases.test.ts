import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "@imgate/imsg-sim/testing";
import { createAccountLeases, migratePostgres, openPostgresPool } from "@imgate/state-postgres";
import { type PostgresHarness, startPostgres } from "@imgate/state-postgres/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";

let server: PostgresHarness | undefined;
let pool: Awaited<ReturnType<typeof openPostgresPool>> | undefined;

beforeAll(async () => {
  server = await startPostgres();
  pool = await openPostgresPool({ url: server.url, max: 2 });
  await migratePostgres(pool);
  // Two other gateways: mac-1 serves "bot"; mac-2 served "archive" (not in this config) and stopped cleanly.
  const mac1 = createAccountLeases({
    pool,
    holderId: "mac-1:4242:a1",
    ttlMs: 60_000,
    host: "mac-1",
    pid: 4242,
  });
  const mac2 = createAccountLeases({ pool, holderId: "mac-2:77:b2", ttlMs: 60_000, host: "mac-2", pid: 77 });
  await mac1.acquire("bot");
  await mac2.acquire("archive");
  await mac2.release("archive");
});
afterAll(async () => {
  await pool?.end();
  await server?.stop();
  removeTempDirs();
});

/** A config with two accounts on shared PostgreSQL state (the URL in TEAM_PG_URL); no gateway listens. */
async function configFile(): Promise<{ dir: string; config: string }> {
  const dir = makeTempDir();
  const config = join(dir, "imgate.json5");
  writeFileSync(
    config,
    `{ channels: { imessage: { cliPath: "imsg", accounts: { bot: {}, spare: {} } } },
       gateway: { stateDir: "state", http: { port: ${await freePort()} },
                  state: { postgres: { urlEnv: "TEAM_PG_URL" } }, leases: { ttlMs: 15000 } } }`,
  );
  return { dir, config };
}

describe("imgate status with gateway.state.postgres", () => {
  it("lists each account's lease: holder, host, pid, fencing token, expiry, live — in text and --json", async () => {
    const { dir, config } = await configFile();
    const env = { HOME: dir, TEAM_PG_URL: (server as PostgresHarness).url };
    const run = await runCli(["status", "--config", config], { env });
    expect(run.code).toBe(1); // no gateway runs here; the leases are read from the database itself
    expect(run.stderr).toBe("");
    const lines = run.stdout.split("\n");
    const head = lines.findIndex((line) => line.startsWith("Leases in PostgreSQL "));
    expect(lines[head]).toBe(
      `Leases in PostgreSQL imgate@${(server as PostgresHarness).socketDir}/imgate (TEAM_PG_URL; ttl 15000 ms, renewed every ttl/3):`,
    );
    expect(lines[head + 1]).toMatch(/^ {2}ACCOUNT +HOLDER +HOST +PID +TOKEN +EXPIRES +LIVE$/);
    expect(lines[head + 2]).toMatch(
      /^ {2}imessage\/archive \(not in this config\) +mac-2:77:b2 +mac-2 +77 +1 +\d+\.\d s ago +no — no gateway serves it$/,
    );
    expect(lines[head + 3]).toMatch(/^ {2}imessage\/bot +mac-1:4242:a1 +mac-1 +4242 +1 +in \d+\.\d s +yes$/);
    expect(lines[head + 4]).toMatch(/^ {2}imessage\/spare +— +— +— +— +— +no — no gateway serves it$/);
    expect(lines.at(-2)).toMatch(/^Start it with: imgate gateway/);

    const json = await runCli(["status", "--json", "--config", config], { env });
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { running: boolean; leases: { ok: boolean; accounts: unknown[] } };
    expect(doc.running).toBe(false);
    expect(doc.leases).toMatchObject({ ok: true, urlEnv: "TEAM_PG_URL", ttlMs: 15_000 });
    expect(doc.leases.accounts).toEqual([
      expect.objectContaining({ accountId: "archive", configured: false, live: false, fencingToken: 1 }),
      {
        accountId: "bot",
        configured: true,
        holder: { holderId: "mac-1:4242:a1", host: "mac-1", pid: 4242 },
        fencingToken: 1,
        expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        expiresInMs: expect.any(Number),
        live: true,
      },
      { accountId: "spare", configured: true, live: false },
    ]);
    const bot = doc.leases.accounts[1] as { expiresInMs: number };
    expect(bot.expiresInMs).toBeGreaterThan(0);
    expect(bot.expiresInMs).toBeLessThanOrEqual(60_000);
  });

  it("the variable unset: one line naming it and the fix, not a crash", async () => {
    const { dir, config } = await configFile();
    const run = await runCli(["status", "--config", config], { env: { HOME: dir, TEAM_PG_URL: undefined } });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain(
      "Leases: cannot read them — TEAM_PG_URL is not set: set it to the PostgreSQL URL, e.g. postgresql://imgate:PASSWORD@db.example:5432/imgate (in the service's environment, not in the config file).",
    );
    const json = await runCli(["status", "--json", "--config", config], { env: { HOME: dir } });
    expect(JSON.parse(json.stdout).leases).toEqual({
      ok: false,
      urlEnv: "TEAM_PG_URL",
      error: { code: "PG_URL_MISSING", message: expect.stringContaining("TEAM_PG_URL is not set") },
    });
  });

  it("an unreachable database: one line naming the target and the fix, never the password", async () => {
    const { dir, config } = await configFile();
    const nowhere = join(dir, "no-server-here");
    const url = `postgresql://imgate:hunter2-secret@localhost:5432/imgate?host=${encodeURIComponent(nowhere)}`;
    const run = await runCli(["status", "--config", config], { env: { HOME: dir, TEAM_PG_URL: url } });
    expect(run.code).toBe(1);
    const line = run.stdout.split("\n").find((l) => l.startsWith("Leases: "));
    expect(line).toMatch(
      new RegExp(
        `^Leases: cannot read them — Cannot reach PostgreSQL at imgate@${nowhere}/imgate \\(.*\\)\\. Check that the server is running`,
      ),
    );
    expect(`${run.stdout}${run.stderr}`).not.toContain("hunter2-secret");
  });

  it("without gateway.state.postgres there is no leases section", async () => {
    const dir = makeTempDir();
    const config = join(dir, "imgate.json5");
    writeFileSync(config, `{ gateway: { http: { port: ${await freePort()} } } }`);
    const run = await runCli(["status", "--json", "--config", config], { env: { HOME: dir } });
    expect(JSON.parse(run.stdout)).not.toHaveProperty("leases");
    const text = await runCli(["status", "--config", config], { env: { HOME: dir } });
    expect(text.stdout).not.toContain("Leases");
  });
});

describe("imgate doctor with gateway.state.postgres", () => {
  it("reports the database answering and the unserved accounts, and that the gateway will not start on it yet (exit 1)", async () => {
    const dir = makeTempDir();
    const config = join(dir, "imgate.json5");
    writeFileSync(
      config,
      `{ agents: { list: [{ id: "main", backend: { type: "echo" } }] },
         gateway: { stateDir: "state", http: { port: ${await freePort()} }, state: { postgres: { urlEnv: "TEAM_PG_URL" } } } }`,
    );
    const run = await runCli(["doctor", "--json", "--config", config], {
      env: { HOME: dir, TEAM_PG_URL: (server as PostgresHarness).url },
    });
    const checks = (JSON.parse(run.stdout) as { checks: { id: string; status: string; detail: string }[] })
      .checks;
    expect(checks.find((c) => c.id === "state.database")).toEqual({
      id: "state.database",
      status: "ok",
      detail: `PostgreSQL imgate@${(server as PostgresHarness).socketDir}/imgate answers (TEAM_PG_URL); 0 of 0 configured account(s) served by a gateway`,
    });
    // The gateway runs on the shared database: nothing refuses it any more.
    expect(checks.find((c) => c.id === "state.postgres")).toBeUndefined();

    const unreachable = await runCli(["doctor", "--json", "--config", config], {
      env: {
        HOME: dir,
        TEAM_PG_URL: `postgresql://imgate@localhost:5432/imgate?host=${encodeURIComponent(join(dir, "none"))}`,
      },
    });
    const failed = (
      JSON.parse(unreachable.stdout) as { checks: { id: string; status: string; detail: string }[] }
    ).checks.find((c) => c.id === "state.database");
    expect(failed).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/^Cannot reach PostgreSQL at imgate@/),
    });
  });
});
