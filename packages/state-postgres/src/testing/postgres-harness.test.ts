import { existsSync, readFileSync, statSync } from "node:fs";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPostgresBin } from "./postgres-binaries.ts";
import { type PostgresHarness, startPostgres } from "./postgres-harness.ts";

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The real uid a process runs as (Linux /proc). */
function processUid(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("Uid:"));
  return Number(line?.split(/\s+/)[1]);
}

describe("startPostgres", () => {
  let pg: PostgresHarness | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it("serves a database over its private socket, with fsync off and no TCP listener", async () => {
    const server = pg as PostgresHarness;
    expect(server.url).toContain(encodeURIComponent(server.socketDir));
    expect(server.url).not.toMatch(/:[^/@]*@/); // no password in the URL
    const [row] = await query<{ db: string; fsync: string; listen: string; version: number }>(
      server.url,
      "SELECT current_database() AS db, current_setting('fsync') AS fsync, " +
        "current_setting('listen_addresses') AS listen, current_setting('server_version_num')::int / 10000 AS version",
    );
    expect(row).toEqual({ db: "imgate", fsync: "off", listen: "", version: server.version });
    expect(existsSync(`${server.socketDir}/.s.PGSQL.5432`)).toBe(true);
  });

  it("never runs the server as root; as root the data directory belongs to the server's user", () => {
    const server = pg as PostgresHarness;
    const pid = server.pid() as number;
    expect(pid).toBeGreaterThan(0);
    const uid = processUid(pid);
    expect(uid).not.toBe(0);
    expect(statSync(`${server.dir}/data`).uid).toBe(uid);
    if (process.getuid?.() !== 0) expect(uid).toBe(process.getuid?.());
  });

  it("createDatabase gives an isolated database", async () => {
    const server = pg as PostgresHarness;
    const other = await server.createDatabase();
    await query(other, "CREATE TABLE only_here (x int)");
    const here = await query<{ n: number }>(
      other,
      "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_here'",
    );
    const there = await query<{ n: number }>(
      server.url,
      "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_here'",
    );
    expect([here[0]?.n, there[0]?.n]).toEqual([1, 0]);
  });
});

describe("stop", () => {
  it("stops the server, removes its directory, and is idempotent", async () => {
    const server = await startPostgres();
    const pid = server.pid() as number;
    await server.stop();
    expect(server.pid()).toBeUndefined();
    expect(existsSync(server.dir)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    await server.stop();
  });

  it("missing server programs: one error naming the package and IMGATE_PG_BIN", async () => {
    expect(() => findPostgresBin({ IMGATE_PG_BIN: "/nonexistent/pg/bin" })).toThrow(
      "IMGATE_PG_BIN=/nonexistent/pg/bin has no executable initdb and postgres: point it at PostgreSQL's bin directory, or unset it.",
    );
    await expect(startPostgres({ binDir: "/nonexistent/pg/bin" })).rejects.toThrow(/^initdb failed: /);
  });

  it.runIf(process.getuid?.() === 0)(
    "as root without the user to run the server as: names the fix",
    async () => {
      await expect(startPostgres({ runAsUser: "no-such-user-imgate" })).rejects.toThrow(
        /^The tests run as root and PostgreSQL refuses to, but the user "no-such-user-imgate" .*IMGATE_PG_USER/,
      );
    },
  );
});
