import { systemClock } from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import { type PostgresHarness, startPostgres } from "@imgate/state-postgres/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../config/parse-gateway-config.ts";
import { createLogger } from "../logging/create-logger.ts";
import { openPostgresState } from "../state/open-postgres-state.ts";
import { createManualTimers } from "../testing/manual-timers.ts";
import { startLeaseKeeping } from "./start-lease-keeping.ts";

const PASSWORD = "pw-Secret-4711";
let server: PostgresHarness | undefined;

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

const config = parseGatewayConfig({
  gateway: { state: { postgres: { urlEnv: "TEAM_PG_URL" } }, leases: { ttlMs: 9_000 } },
});

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ destination: { write: (line: string) => void lines.push(line) } }) };
}

describe("startLeaseKeeping", () => {
  it("migrates a fresh database, takes the leases, names the target in logs but never the URL; a second gateway stands by until the first stops", async () => {
    const plain = await (server as PostgresHarness).createDatabase("keeping_fresh");
    // Trust auth ignores the password; it is there to prove it is never logged.
    const url = plain.replace("//imgate@", `//imgate:${PASSWORD}@`);
    const env = { TEAM_PG_URL: url };
    const first = capture();
    const acquired: string[] = [];
    const state = await openPostgresState({
      config,
      env,
      logger: first.logger,
      clock: systemClock,
      applicationName: "imgate test",
    });
    const one = await startLeaseKeeping({
      state,
      config,
      logger: first.logger,
      accountIds: ["bot", "spare"],
      onAcquired: (id, lease) => acquired.push(`one:${id}:${lease.fencingToken}`),
      onLost: (id) => acquired.push(`one lost ${id}`),
    });
    expect(one.holderId).toMatch(new RegExp(`^.+:${process.pid}:[0-9a-f-]{36}$`));
    expect(one.database).toBe(`imgate@${(server as PostgresHarness).socketDir}/keeping_fresh`);
    expect(acquired.sort()).toEqual(["one:bot:1", "one:spare:1"]);

    const clock = createManualClock();
    const timers = createManualTimers(clock);
    const second = capture();
    const two = await startLeaseKeeping({
      state,
      config,
      logger: second.logger,
      accountIds: ["bot"],
      clock,
      timers,
      onAcquired: (id, lease) => acquired.push(`two:${id}:${lease.fencingToken}`),
      onLost: (id) => acquired.push(`two lost ${id}`),
    });
    expect(two.keeper.entries()).toEqual([
      { accountId: "bot", role: "standby", holder: expect.objectContaining({ holderId: one.holderId }) },
    ]);

    await one.stop();
    timers.advance(3_000); // ttl/3
    await two.keeper.settled();
    expect(acquired.at(-1)).toBe("two:bot:2");
    await two.stop();
    await state.close();

    const logs = [...first.lines, ...second.lines].join("");
    expect(logs).toContain("connected to PostgreSQL");
    expect(logs).toContain("account lease acquired: serving this account");
    expect(logs).toContain("account served by another gateway; standing by (trying every 3000 ms)");
    expect(logs).toContain(`"database":"imgate@${(server as PostgresHarness).socketDir}/keeping_fresh"`);
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toContain("postgresql://");
  });
});
