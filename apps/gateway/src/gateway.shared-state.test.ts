import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@imgate/channel-core";
import { createSimDb, IMSG_BIN, injectMessage, waitFor } from "@imgate/imsg-sim/testing";
import { createAccountLeases, openPostgresPool } from "@imgate/state-postgres";
import { type PostgresHarness, startPostgres } from "@imgate/state-postgres/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "./config/parse-gateway-config.ts";
import type { GatewayHandle } from "./gateway.ts";
import { sentTexts } from "./testing/sim-chat.ts";
import { startSimGateway } from "./testing/start-sim-gateway.ts";

const ALLOWED = "+15550001111";
const STRANGER = "+15559998888";
const SELF = "bot@icloud.com";

let server: PostgresHarness | undefined;
let dir: string;
const running: GatewayHandle[] = [];

beforeAll(async () => {
  server = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), "imgate-gateway-shared-"));
});
afterAll(async () => {
  await Promise.all(running.map((gateway) => gateway.stop()));
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Two gateways (each its own state dir and control port) configured for the same account on one chat.db. */
async function twoGateways(database: string) {
  const url = await (server as PostgresHarness).createDatabase(database);
  const dbPath = createSimDb(mkdtempSync(join(dir, "chat-")));
  const config = parseGatewayConfig({
    channels: { imessage: { cliPath: IMSG_BIN, dbPath, dmPolicy: "pairing", allowFrom: [ALLOWED] } },
    agents: { list: [{ id: "main", default: true, backend: { type: "echo" } }] },
    gateway: {
      http: { host: "127.0.0.1", port: 0 },
      shutdownTimeoutMs: 5_000,
      state: { postgres: { urlEnv: "TEAM_PG_URL" } },
      leases: { ttlMs: 3_000 },
    },
  });
  const start = async (name: string) => {
    const gateway = await startSimGateway({
      config,
      stateDir: join(dir, database, name),
      self: SELF,
      simEnv: { TEAM_PG_URL: url },
    });
    running.push(gateway);
    return gateway;
  };
  const first = await start("first");
  const second = await start("second");
  return { url, dbPath, first, second };
}

const states = (gateway: GatewayHandle) => gateway.status().accounts.map((account) => account.state);

describe("two gateways on one PostgreSQL", () => {
  it("one serves the account, the other stands by; the standby takes over when the first stops, from the shared cursor, answering each message once", async () => {
    const { url, dbPath, first, second } = await twoGateways("takeover");
    expect(states(first)).toEqual(["running"]);
    expect(states(second)).toEqual(["standby"]);
    expect(second.status().ready).toBe(true);

    const hello = injectMessage(dbPath, { from: ALLOWED, text: "before the switch", selfHandle: SELF });
    await waitFor(() => (sentTexts(dbPath, hello.chatId).length >= 1 ? true : undefined), "the first reply");

    await first.stop();
    // Sent while nobody serves the account: the new holder resumes from the shared cursor.
    const during = injectMessage(dbPath, { from: ALLOWED, text: "during the switch", selfHandle: SELF });
    await waitFor(() => (states(second)[0] === "running" ? true : undefined), "the standby to take over");
    await waitFor(
      () => (sentTexts(dbPath, during.chatId).length >= 2 ? true : undefined),
      "the reply of the new holder",
    );
    const after = injectMessage(dbPath, { from: ALLOWED, text: "after the switch", selfHandle: SELF });
    await waitFor(() => (sentTexts(dbPath, after.chatId).length >= 3 ? true : undefined), "the third reply");
    expect(sentTexts(dbPath, hello.chatId)).toEqual([
      "before the switch",
      "during the switch",
      "after the switch",
    ]);

    const pool = await openPostgresPool({ url, logger: silentLogger });
    try {
      const leases = await createAccountLeases({ pool, holderId: "observer", ttlMs: 3_000 }).list();
      expect(leases).toEqual([
        expect.objectContaining({ accountId: "default", fencingToken: 2, live: true }),
      ]);
    } finally {
      await pool.end();
    }
  });

  it("a pairing code issued by the serving gateway is approved through the standby's control API and admits the sender", async () => {
    const { dbPath, first, second } = await twoGateways("pairing");
    const asked = injectMessage(dbPath, { from: STRANGER, text: "hi, who is this?", selfHandle: SELF });
    const reply = await waitFor(() => sentTexts(dbPath, asked.chatId)[0], "the pairing code reply");
    const code = /\b([A-Z0-9]{8})\b/.exec(reply)?.[1];
    expect(code).toBeDefined();
    const approved = await fetch(`${second.controlUrl}/v1/pairing/approve`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel: "imessage", code }),
    });
    expect(approved.status).toBe(200);
    injectMessage(dbPath, { from: STRANGER, text: "approved now", selfHandle: SELF });
    await waitFor(
      () => (sentTexts(dbPath, asked.chatId).includes("approved now") ? true : undefined),
      "the first answer to the approved sender",
    );
    expect(states(first)).toEqual(["running"]);
  });
});
