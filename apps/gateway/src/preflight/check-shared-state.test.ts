import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@imgate/channel-core";
import { afterAll, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../config/parse-gateway-config.ts";
import { isGatewayError } from "../errors/gateway-error.ts";
import { startGateway } from "../gateway.ts";
import { checkSharedState } from "./check-shared-state.ts";
import { runStartChecks } from "./start-checks.ts";

const dir = mkdtempSync(join(tmpdir(), "imgate-shared-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shared = parseGatewayConfig({ gateway: { state: { postgres: { urlEnv: "TEAM_PG_URL" } } } });

describe("start checks for gateway.state.postgres", () => {
  it("SQLite (no gateway.state): nothing to check", () => {
    expect(checkSharedState(parseGatewayConfig({}), {})).toEqual([]);
  });

  it("names an unset variable and the fix; says plainly that serving from PostgreSQL is not wired in yet", async () => {
    const checks = await runStartChecks({
      config: shared,
      stateDir: join(dir, "state"),
      env: {},
      caller: "doctor",
      controlPort: false,
    });
    expect(checks.filter((check) => check.status === "fail").map((check) => check.id)).toEqual([
      "env.TEAM_PG_URL",
      "state.postgres",
    ]);
    expect(checks.find((check) => check.id === "env.TEAM_PG_URL")?.fix).toMatch(
      /^Set TEAM_PG_URL to the PostgreSQL URL in the gateway's environment .*never in the config file.*remove gateway.state/,
    );
    const withUrl = checkSharedState(shared, { TEAM_PG_URL: "postgresql://u@h/db" });
    expect(withUrl.map((check) => check.id)).toEqual(["state.postgres"]);
  });

  it("the gateway refuses to start with it (it would answer from its own SQLite file) and creates nothing", async () => {
    const stateDir = join(dir, "never-created");
    const error = await startGateway({
      config: shared,
      stateDir,
      logger: silentLogger,
      env: { TEAM_PG_URL: "postgresql://u@h/db" },
      controlApi: false,
    }).catch((e: unknown) => e);
    expect(isGatewayError(error, "GATEWAY_START")).toBe(true);
    expect((error as Error).message).toMatch(
      /^gateway\.state\.postgres is set, but this imgate still serves every account from its own SQLite file.*Remove gateway\.state/,
    );
    expect(existsSync(stateDir)).toBe(false);
  });
});
