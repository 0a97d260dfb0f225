import { silentLogger } from "@imgate/channel-core";
import { describeStateBackendContract } from "@imgate/channel-core/testing";
import { afterAll, beforeAll } from "vitest";
import { migratePostgres } from "./migrate-postgres.ts";
import { openPostgresPool } from "./open-postgres-pool.ts";
import { createPostgresBackend } from "./postgres-backend.ts";
import { createPostgresPairing } from "./postgres-pairing.ts";
import { type PostgresHarness, startPostgres } from "./testing/postgres-harness.ts";

// One real server for the file; every contract test gets a fresh, migrated database on it.
let server: PostgresHarness | undefined;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describeStateBackendContract("postgres", async (clock) => {
  const url = await (server as PostgresHarness).createDatabase();
  const pool = await openPostgresPool({ url, max: 4 });
  await migratePostgres(pool);
  const pairing = createPostgresPairing({ pool, url, clock, logger: silentLogger });
  const backend = createPostgresBackend({ pool, url, clock, logger: silentLogger, pairing, ownsPool: true });
  return { backend, close: () => backend.close() };
});
