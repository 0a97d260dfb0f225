/**
 * Issue 16: two gateway processes on one shared PostgreSQL database and one chat.db (a holder and a standby
 * for the same account).
 */
import { type PostgresHarness, startPostgres } from "@imgate/state-postgres/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GatewayProcess,
  outgoingCount,
  sharedStateGateway,
  startGateway,
  statusLeases,
} from "./harness/index.ts";

let pg: PostgresHarness | undefined;
const started: GatewayProcess[] = [];
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  await Promise.all(started.map((gateway) => gateway.dispose()));
  await pg?.stop();
});

async function launch(options: Parameters<typeof startGateway>[0]): Promise<GatewayProcess> {
  const gateway = await startGateway(options);
  started.push(gateway);
  return gateway;
}

describe("two gateways on one PostgreSQL database (before the pipeline runs on it)", () => {
  it("both refuse to start, naming the start check state.postgres; nothing is answered; imgate status --json on either config reads the leases from the shared database: nobody holds the account", async () => {
    const databaseUrl = await (pg as PostgresHarness).createDatabase();
    const shared = { databaseUrl };
    const holder = await launch(sharedStateGateway(shared, { waitReady: false }));
    const standby = await launch(sharedStateGateway(shared, { waitReady: false, dbPath: holder.dbPath }));
    expect(standby.dbPath).toBe(holder.dbPath);
    for (const gateway of [holder, standby]) {
      const exit = await gateway.exited;
      expect(exit.code, gateway.stderr).toBe(1);
      expect(gateway.stderr).toContain("state.postgres");
      expect(gateway.stderr).toContain("running on shared PostgreSQL is not wired in yet");
      expect(gateway.stdout + gateway.stderr).not.toContain(databaseUrl);
      expect(gateway.logs().map((line) => line.msg)).not.toContain("account started");
    }
    holder.inject({ from: "+15550001111", text: "anyone there?" });
    expect(outgoingCount(holder.dbPath)).toBe(0);

    for (const gateway of [holder, standby]) {
      const leases = await statusLeases(gateway);
      expect(leases).toMatchObject({ ok: true, urlEnv: "IMGATE_DATABASE_URL", ttlMs: 3_000 });
      expect(leases.ok && leases.accounts).toEqual([{ accountId: "default", configured: true, live: false }]);
    }
  }, 60_000);
});
