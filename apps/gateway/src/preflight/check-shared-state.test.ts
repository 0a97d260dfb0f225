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

  it("names an unset variable and the fix; nothing more once it is set", async () => {
    const checks = await runStartChecks({
      config: shared,
      stateDir: join(dir, "state"),
      env: {},
      caller: "doctor",
      controlPort: false,
    });
    expect(checks.filter((check) => check.status === "fail").map((check) => check.id)).toEqual([
      "env.TEAM_PG_URL",
    ]);
    expect(checks.find((check) => check.id === "env.TEAM_PG_URL")?.fix).toMatch(
      /^Set TEAM_PG_URL to the PostgreSQL URL in the gateway's environment .*never in the config file.*remove gateway.state/,
    );
    expect(checkSharedState(shared, { TEAM_PG_URL: "postgresql://u@h/db" })).toEqual([]);
  });

  it("the gateway does not start on a database it cannot reach: one error naming the target, never the URL", async () => {
    const url =
      "postgresql://imgate:pw-Secret-4711@localhost:5432/imgate?host=%2Fnonexistent-imgate-socket-dir";
    const error = await startGateway({
      config: shared,
      stateDir: join(dir, "unreachable"),
      logger: silentLogger,
      env: { TEAM_PG_URL: url },
      controlApi: false,
    }).catch((e: unknown) => e);
    expect(isGatewayError(error, "GATEWAY_START")).toBe(true);
    expect((error as Error).message).toMatch(
      /^Cannot open the shared state database: Cannot reach PostgreSQL at imgate@\/nonexistent-imgate-socket-dir\/imgate/,
    );
    expect((error as Error).message).not.toContain("pw-Secret-4711");
    expect(existsSync(join(dir, "unreachable", "state.db"))).toBe(false);
  });
});
