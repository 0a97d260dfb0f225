import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@imgate/channel-core";
import { createSimDb, IMSG_BIN, waitFor } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "./config/parse-gateway-config.ts";
import type { AccountReadiness, ReadinessReport } from "./control-api/control-api-types.ts";
import { type GatewayHandle, startGateway } from "./gateway.ts";

let dir: string;
let gateway: GatewayHandle;

async function readyz(): Promise<{ status: number; body: ReadinessReport }> {
  const response = await fetch(`${gateway.controlUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as ReadinessReport };
}

function account(report: ReadinessReport, id: string): AccountReadiness | undefined {
  return report.accounts.find((entry) => entry.accountId === id);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "imgate-gateway-failures-"));
  const config = parseGatewayConfig({
    channels: {
      imessage: {
        accounts: {
          missing: { cliPath: join(dir, "no-such-imsg") },
          fda: { cliPath: IMSG_BIN, dbPath: createSimDb(dir) },
        },
      },
    },
    agents: { list: [{ id: "main", default: true, backend: { type: "echo" } }] },
    gateway: { http: { host: "127.0.0.1", port: 0 } },
  });
  gateway = await startGateway({
    config,
    stateDir: join(dir, "state"),
    logger: silentLogger,
    // Default restart policy: the first retry is at least 1 s away, the next ones further.
    env: { ...process.env, IMSG_SIM_FDA: "1", IMSG_SIM_COMPAT: "0.9", IMGATE_TOKEN: "" },
  });
});

afterAll(async () => {
  await gateway?.stop();
  // Set in beforeAll: undefined when it failed early; a second error here would hide the first.
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("accounts whose transport fails", () => {
  it("keep retrying with backoff and show attempts and the error with its fix in /readyz", async () => {
    const first = await waitFor(async () => {
      const { body } = await readyz();
      return (account(body, "missing")?.restarts ?? 0) >= 1 ? body : undefined;
    }, "a first retry of the missing binary");
    const later = await waitFor(async () => {
      const { status, body } = await readyz();
      return (account(body, "missing")?.restarts ?? 0) >= 2 ? { status, body } : undefined;
    }, "a second retry");
    expect(later.status).toBe(503);
    const missing = account(later.body, "missing");
    expect(missing?.state).toBe("backoff");
    expect(missing?.lastError).toMatch(/no-such-imsg/);
    expect(missing?.lastError).toMatch(/cliPath/);
    expect(missing?.failures).toBeGreaterThanOrEqual(2);
    expect(Date.parse(missing?.nextRetryAt ?? "")).toBeGreaterThan(0);
    expect(account(first, "missing")?.restarts).toBeLessThan(missing?.restarts ?? 0);

    const fda = await waitFor(async () => {
      const { body } = await readyz();
      const entry = account(body, "fda");
      return entry?.lastError ? entry : undefined;
    }, "the Full Disk Access error");
    expect(fda.state).not.toBe("running");
    expect(fda.lastError).toMatch(/Full Disk Access/);
  });
});
