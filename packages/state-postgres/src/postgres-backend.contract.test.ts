import { silentLogger } from "@imgate/channel-core";
import { describeStateBackendContract } from "@imgate/channel-core/testing";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { migratePostgres } from "./migrate-postgres.ts";
import { openPostgresPool } from "./open-postgres-pool.ts";
import { createPostgresBackend } from "./postgres-backend.ts";
import { type PostgresHarness, startPostgres } from "./testing/postgres-harness.ts";

// One real server for the file; every contract test gets a fresh, migrated database on it.
let server: PostgresHarness | undefined;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

// PostgreSQL pairing is its own module (createPostgresPairing, ADR 0016 step 6, branch pg-pairing); until it is
// merged and passed as `pairing`, the contract's pairing tests are skipped here, visibly, not faked.
beforeEach((context) => {
  if (context.task.suite?.name === "pairing")
    context.skip("PostgreSQL pairing is not wired into the backend yet");
});

describeStateBackendContract("postgres", async (clock) => {
  const url = await (server as PostgresHarness).createDatabase();
  const pool = await openPostgresPool({ url, max: 4 });
  await migratePostgres(pool);
  const backend = createPostgresBackend({ pool, url, clock, logger: silentLogger, ownsPool: true });
  return { backend, close: () => backend.close() };
});
