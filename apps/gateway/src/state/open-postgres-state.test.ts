import { systemClock } from "@imgate/channel-core";
import type { PostgresStateError } from "@imgate/state-postgres";
import { type PostgresHarness, startPostgres } from "@imgate/state-postgres/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../config/parse-gateway-config.ts";
import { createLogger } from "../logging/create-logger.ts";
import { openPostgresState } from "./open-postgres-state.ts";

const PASSWORD = "pw-Secret-4711";
let server: PostgresHarness | undefined;

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

const config = parseGatewayConfig({ gateway: { state: { postgres: { urlEnv: "TEAM_PG_URL" } } } });

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ destination: { write: (line: string) => void lines.push(line) } }) };
}

const open = (env: NodeJS.ProcessEnv, logger = capture().logger) =>
  openPostgresState({ config, env, logger, clock: systemClock, applicationName: "imgate test" });

describe("openPostgresState", () => {
  it("migrates a fresh database and serves the backend with pairing on it; logs name the target, never the URL", async () => {
    const plain = await (server as PostgresHarness).createDatabase("state_fresh");
    // Trust auth ignores the password; it is there to prove it is never logged.
    const url = plain.replace("//imgate@", `//imgate:${PASSWORD}@`);
    const { lines, logger } = capture();
    const state = await open({ TEAM_PG_URL: url }, logger);
    try {
      expect(state.backend.kind).toBe("postgres");
      expect(state.database).toBe(`imgate@${(server as PostgresHarness).socketDir}/state_fresh`);
      const outcome = await state.backend.pairing.request({ channel: "imessage", sender: "+15550001111" });
      expect(outcome.action).toBe("reply");
      await state.backend.pairing.approve("imessage", (outcome as { code: string }).code);
      expect(await state.backend.pairing.isApprovedSender("imessage", "+15550001111")).toBe(true);
    } finally {
      await state.close();
    }
    const logs = lines.join("");
    expect(logs).toContain("connected to PostgreSQL");
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toContain("postgresql://");
  });

  it("the variable unset or the server unreachable: one PostgresStateError naming the fix, never the URL", async () => {
    const missing = (await open({}).catch((e: unknown) => e)) as PostgresStateError;
    expect(missing.code).toBe("PG_URL_MISSING");
    expect(missing.message).toMatch(/^TEAM_PG_URL is not set: set it to the PostgreSQL URL/);

    const nowhere = `postgresql://imgate:${PASSWORD}@localhost:5432/imgate?host=%2Fnonexistent-imgate-socket-dir`;
    const unreachable = (await open({ TEAM_PG_URL: nowhere }).catch((e: unknown) => e)) as PostgresStateError;
    expect(unreachable.code).toBe("PG_UNREACHABLE");
    expect(unreachable.message).toContain(
      "Cannot reach PostgreSQL at imgate@/nonexistent-imgate-socket-dir/imgate",
    );
    expect(unreachable.message).not.toContain(PASSWORD);
  });
});
