import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresPool } from "./open-postgres-pool.ts";
import { PostgresErrorCode, type PostgresStateError } from "./postgres-errors.ts";
import { type PostgresHarness, startPostgres } from "./testing/postgres-harness.ts";

let server: PostgresHarness | undefined;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function failure(url: string): Promise<PostgresStateError> {
  try {
    const pool = await openPostgresPool({ url, connectTimeoutMs: 5000 });
    await pool.end();
  } catch (error) {
    return error as PostgresStateError;
  }
  throw new Error("expected openPostgresPool to fail");
}

describe("openPostgresPool", () => {
  it("connects and runs queries", async () => {
    const pool = await openPostgresPool({ url: (server as PostgresHarness).url });
    try {
      const { rows } = await pool.query<{ n: number }>("SELECT 41 + 1 AS n");
      expect(rows).toEqual([{ n: 42 }]);
    } finally {
      await pool.end();
    }
  });

  it("no server: PG_UNREACHABLE naming the target, never the password", async () => {
    const url = "postgresql://gate:Sup3r-Secret-PW@localhost:5432/imgate?host=%2Fnonexistent%2Fpg-socket";
    const error = await failure(url);
    expect(error.code).toBe(PostgresErrorCode.unreachable);
    expect(error.message).toMatch(/^Cannot reach PostgreSQL at gate@\/nonexistent\/pg-socket\/imgate /);
    expect(`${error.message}${error.stack}`).not.toContain("Sup3r-Secret-PW");
  });

  it("a database that does not exist: PG_DATABASE_MISSING naming how to create it, never the password", async () => {
    const url = (server as PostgresHarness).url
      .replace("imgate@", "imgate:Sup3r-Secret-PW@")
      .replace("/imgate?", "/nosuchdb?");
    const error = await failure(url);
    expect(error.code).toBe(PostgresErrorCode.databaseMissing);
    expect(error.message).toMatch(/nosuchdb.*Create it/);
    expect(`${error.message}${error.stack}`).not.toContain("Sup3r-Secret-PW");
  });
});
