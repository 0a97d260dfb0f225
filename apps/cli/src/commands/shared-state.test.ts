/**
 * The CLI on the shared PostgreSQL state (`gateway.state.postgres`, issue 16): what it writes, another gateway
 * on the same database sees at once, and the reverse. "The other gateway" here is a second backend on a pool
 * of its own, as a gateway on another host would open it. A real server; no gateway listens on the config's
 * port, so nothing goes through a control API.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type StateBackend, silentLogger, systemClock } from "@imgate/channel-core";
import { freePort } from "@imgate/imsg-sim/testing";
import {
  createPostgresBackend,
  createPostgresPairing,
  migratePostgres,
  openPostgresPool,
} from "@imgate/state-postgres";
import { type PostgresHarness, startPostgres } from "@imgate/state-postgres/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CliRun, makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";

const PASSWORD = "Hunter2-not-for-logs";
let server: PostgresHarness;

beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

/** `url` with a password (trust auth ignores it): it must never reach the CLI's output. */
const withPassword = (url: string) => url.replace("postgresql://imgate@", `postgresql://imgate:${PASSWORD}@`);

let home: string;
let config: string;
let url: string;
let other: { backend: StateBackend; close(): Promise<void> };

/** Another gateway on the same database: its own pool, backend and pairing, as `openStateBackend` builds them. */
async function otherGateway(databaseUrl: string) {
  const pool = await openPostgresPool({ url: databaseUrl, max: 2 });
  await migratePostgres(pool);
  const common = { pool, url: databaseUrl, clock: systemClock, logger: silentLogger };
  const backend = createPostgresBackend({
    ...common,
    pairing: createPostgresPairing(common),
    ownsPool: true,
  });
  return { backend, close: () => backend.close() };
}

beforeEach(async () => {
  url = withPassword(await server.createDatabase());
  home = makeTempDir();
  config = join(home, "imgate.json5");
  writeFileSync(
    config,
    `{ channels: { imessage: { cliPath: "imsg", dmPolicy: "pairing", textChunkLimit: 24, accounts: { bot: {}, spare: {} } } },
       gateway: { stateDir: "state", http: { port: ${await freePort()} },
                  state: { postgres: { urlEnv: "TEAM_PG_URL" } } } }`,
  );
  other = await otherGateway(url);
});
afterEach(async () => {
  await other?.close();
});

const cli = (...args: string[]) =>
  runCli([...args, "--config", config], { env: { HOME: home, TEAM_PG_URL: url } });

/** Nothing of the URL's secret anywhere, and no SQLite file made beside the config. */
function expectNoSecretNoFile(...runs: CliRun[]) {
  for (const run of runs) {
    expect(run.stdout).not.toContain(PASSWORD);
    expect(run.stderr).not.toContain(PASSWORD);
  }
  expect(existsSync(join(home, "state", "state.db"))).toBe(false);
}

describe("imgate pairing on gateway.state.postgres", () => {
  it("lists a request another gateway recorded, and approving it here lets that gateway's sender in", async () => {
    const outcome = await other.backend.pairing.request({
      channel: "imessage",
      sender: "+15550001111",
      meta: { chatId: "7" },
    });
    if (outcome.action !== "reply") throw new Error(`unexpected pairing outcome ${outcome.action}`);
    const { code } = outcome;

    const json = await cli("pairing", "list", "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      channel: "imessage",
      requests: [expect.objectContaining({ code, sender: "+15550001111", meta: { chatId: "7" } })],
    });
    const table = await cli("pairing", "list");
    expect(table.stdout).toMatch(new RegExp(`^${code}\\s+\\+15550001111\\s`, "m"));

    expect(await other.backend.pairing.isApprovedSender("imessage", "+15550001111")).toBe(false);
    const approve = await cli("pairing", "approve", "imessage", code.toLowerCase());
    expect(approve).toMatchObject({
      code: 0,
      stdout: "Approved +15550001111 on imessage; they can now message the agent directly.\n",
    });
    expect(await other.backend.pairing.isApprovedSender("imessage", "+15550001111")).toBe(true);
    expect(await other.backend.pairing.list("imessage")).toEqual([]);

    const again = await cli("pairing", "approve", "imessage", code, "--json");
    expect(JSON.parse(again.stdout)).toMatchObject({ sender: "+15550001111", alreadyApproved: true });
    expectNoSecretNoFile(json, table, approve, again);
  });

  it("rejects a request another gateway recorded: that gateway gives the sender no new code", async () => {
    const outcome = await other.backend.pairing.request({ channel: "imessage", sender: "+15550003333" });
    if (outcome.action !== "reply") throw new Error(`unexpected pairing outcome ${outcome.action}`);
    const reject = await cli("pairing", "reject", "imessage", outcome.code, "--json");
    expect(reject.code).toBe(0);
    expect(JSON.parse(reject.stdout)).toMatchObject({ sender: "+15550003333", rejected: true });
    expect(await other.backend.pairing.list("imessage")).toEqual([]);
    const retry = await other.backend.pairing.request({ channel: "imessage", sender: "+15550003333" });
    expect(retry.action).not.toBe("reply");

    const unknown = await cli("pairing", "approve", "imessage", "ZZZZ9999");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^imgate: No pending pairing request found for code: ZZZZ9999; /);
    expectNoSecretNoFile(reject, unknown);
  });
});

describe("imgate pause / resume on gateway.state.postgres", () => {
  it("pauses and resumes an account for every gateway on the database; status and send see it", async () => {
    const pause = await cli("pause", "--account", "bot", "--reason", "maintenance", "--json");
    expect(pause.code).toBe(0);
    expect(JSON.parse(pause.stdout)).toEqual({
      action: "paused",
      via: "state",
      state: "postgres",
      accounts: [
        { accountId: "bot", paused: true, queued: 0 },
        { accountId: "spare", paused: false, queued: 0 },
      ],
    });
    expect(await other.backend.pauses.stateOf("imessage", "bot")).toMatchObject({
      scope: "account",
      reason: "maintenance",
    });
    expect(await other.backend.pauses.stateOf("imessage", "spare")).toBeUndefined();

    const status = await cli("status", "--json");
    expect(JSON.parse(status.stdout)).toMatchObject({
      running: false,
      paused: [{ accountId: "bot", reason: "maintenance" }],
    });

    // Paused: imgate send holds the message in the shared outbox, for the gateway that serves the account.
    const held = await cli("send", "+15550002222", "while paused", "--account", "bot", "--json");
    expect(JSON.parse(held.stdout)).toMatchObject({
      via: "outbox",
      status: "held",
      error: { code: "held_paused" },
    });
    expect(held.code).toBe(0);
    // A long one is held as the gateway would send it: chunked, every chunk in one transaction, in order.
    const long = await cli(
      "send",
      "+15550002222",
      "the first part is here. and the second part",
      "--account",
      "bot",
      "--json",
    );
    const longIds = (JSON.parse(long.stdout) as { outboxIds: string[] }).outboxIds;
    expect(longIds).toHaveLength(2);
    const queued = await other.backend.outbox.list(["queued"]);
    expect(queued.map((entry) => [String(entry.id), entry.accountId, entry.target, entry.text])).toEqual([
      [expect.any(String), "bot", "+15550002222", "while paused"],
      [longIds[0], "bot", "+15550002222", "the first part is here."],
      [longIds[1], "bot", "+15550002222", "and the second part"],
    ]);
    expect(JSON.parse(held.stdout).outboxIds).toEqual([String(queued[0]?.id)]);

    const resume = await cli("resume", "--account", "bot");
    expect(resume.code).toBe(0);
    expect(resume.stdout).toContain(
      "Resumed sending on account bot (in the PostgreSQL database the gateways share; each applies it before its next send)",
    );
    expect(resume.stdout).toContain("imessage/bot: sending, 3 message(s) waiting in the outbox");
    expect(await other.backend.pauses.stateOf("imessage", "bot")).toBeUndefined();
    expectNoSecretNoFile(pause, status, held, long, resume);
  });

  it("a pause of every account made on another gateway is read here, and a per-account resume is refused", async () => {
    await other.backend.pauses.pause("imessage", undefined, "incident");
    const status = await cli("status", "--json");
    expect(JSON.parse(status.stdout).paused).toEqual([
      expect.objectContaining({ accountId: "*", reason: "incident" }),
    ]);
    const partial = await cli("resume", "--account", "spare");
    expect(partial.code).toBe(1);
    expect(partial.stderr).toBe(
      "imgate: Every account is paused (imgate pause without --account); resume them all with `imgate resume`.\n",
    );
    const all = await cli("resume", "--json");
    expect(JSON.parse(all.stdout).accounts).toEqual([
      { accountId: "bot", paused: false, queued: 0 },
      { accountId: "spare", paused: false, queued: 0 },
    ]);
    expect(await other.backend.pauses.list("imessage")).toEqual([]);
    expectNoSecretNoFile(status, partial, all);
  });
});

describe("the shared database cannot be used", () => {
  // The split-brain the original gateway's tracker reports (a CLI writing state its gateway never reads): an unset
  // variable never falls back to the local SQLite file.
  it("an unset variable is one line naming it and the fix, exit 1, for every state command — no fallback to SQLite", async () => {
    const env = { HOME: home, TEAM_PG_URL: undefined };
    for (const args of [["pairing", "list"], ["pairing", "approve", "imessage", "ABCD2345"], ["pause"]]) {
      const run = await runCli([...args, "--config", config], { env });
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(
        "imgate: TEAM_PG_URL is not set: set it to the PostgreSQL URL, e.g. postgresql://imgate:PASSWORD@db.example:5432/imgate (in the service's environment, not in the config file).\n",
      );
    }
    const json = await runCli(["pairing", "list", "--json", "--config", config], { env });
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: "CLI_FAILED", message: expect.stringMatching(/^TEAM_PG_URL is not set: /) },
    });
    expect(existsSync(join(home, "state", "state.db"))).toBe(false);
  });

  it("an unreachable database is one line naming the target and the fix, never the URL or its password", async () => {
    const gone = withPassword(
      `postgresql://imgate@localhost:5432/imgate?host=${encodeURIComponent(join(home, "no-server-here"))}`,
    );
    const run = await runCli(["pairing", "list", "--config", config], {
      env: { HOME: home, TEAM_PG_URL: gone },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^imgate: Cannot reach PostgreSQL at imgate@.*no-server-here\/imgate /);
    expect(run.stderr).not.toContain(PASSWORD);
    expect(run.stderr).not.toContain("postgresql://imgate:");
  });
});
