import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSimDb, IMSG_BIN, injectMessage, waitFor } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "./config/load-config.ts";
import { type GatewayHandle, startGateway } from "./gateway.ts";
import { sentTexts } from "./testing/sim-chat.ts";

const ALICE = "+15550001001";
const BOB = "+15550001002";
const CAROL = "+15550001003";
const STRANGER = "+15550009999";
const SELF = "me@icloud.com";

let dir: string;
let sharedDb: string;
let otherDb: string;
let spawns: string;
let configPath: string;
let gateway: GatewayHandle;
const logs: Array<{ msg: string; fields: object }> = [];
const record = (fields: object, msg: string) => void logs.push({ fields, msg });
const logger = { debug: record, info: record, warn: record, error: record };

/** The config file: accounts `alpha` and `beta` share one wrapper and database, `gamma` has its own. */
function configText(gammaAllow: string[]): string {
  const wrapper = join(dir, "imsg-wrapper");
  return JSON.stringify({
    channels: {
      imessage: {
        dmPolicy: "allowlist",
        accounts: {
          alpha: { cliPath: wrapper, dbPath: sharedDb, allowFrom: [ALICE] },
          beta: { cliPath: wrapper, dbPath: sharedDb, allowFrom: [BOB] },
          gamma: { cliPath: IMSG_BIN, dbPath: otherDb, allowFrom: gammaAllow },
        },
      },
    },
    agents: {
      list: [
        { id: "a", default: true, identity: { name: "Alpha" }, backend: { type: "echo" } },
        { id: "b", identity: { name: "Beta" }, backend: { type: "echo" } },
      ],
    },
    bindings: [{ agentId: "b", match: { channel: "imessage", accountId: "beta" } }],
    messages: { responsePrefix: "auto" },
    gateway: { http: { host: "127.0.0.1", port: 0 }, shutdownTimeoutMs: 5_000 },
  });
}

function restartsOf(accountId: string): number {
  return gateway.status().accounts.find((account) => account.accountId === accountId)?.configRestarts ?? 0;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "imgate-gateway-accounts-"));
  sharedDb = createSimDb(join(dir, "shared"));
  otherDb = createSimDb(join(dir, "other"));
  spawns = join(dir, "spawns.log");
  writeFileSync(join(dir, "imsg-wrapper"), `#!/bin/sh\necho "$*" >> '${spawns}'\nexec '${IMSG_BIN}' "$@"\n`);
  chmodSync(join(dir, "imsg-wrapper"), 0o755);
  configPath = join(dir, "imgate.json5");
  writeFileSync(configPath, configText([CAROL]));
  const { config } = await loadConfig({ path: configPath });
  gateway = await startGateway({
    config,
    configPath,
    configDebounceMs: 100,
    stateDir: join(dir, "state"),
    logger,
    env: { ...process.env, IMSG_SIM_POLL_MS: "50", IMGATE_TOKEN: "" },
  });
  await waitFor(() => (gateway.status().ready ? true : undefined), "all accounts to be ready");
});

afterAll(async () => {
  await gateway?.stop();
  // Set in beforeAll: undefined when it failed early; a second error here would hide the first.
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("two accounts on one transport and database", () => {
  it("share one imsg process and watcher; each sender is answered once, by the account whose policy allows them", async () => {
    const stranger = injectMessage(sharedDb, { from: STRANGER, text: "hello?", selfHandle: SELF });
    const alice = injectMessage(sharedDb, { from: ALICE, text: "hi from alice", selfHandle: SELF });
    const bob = injectMessage(sharedDb, { from: BOB, text: "hi from bob", selfHandle: SELF });
    await waitFor(() => sentTexts(sharedDb, alice.chatId)[0], "alice's reply");
    await waitFor(() => sentTexts(sharedDb, bob.chatId)[0], "bob's reply");
    expect(sentTexts(sharedDb, alice.chatId)).toEqual(["[Alpha] hi from alice"]);
    expect(sentTexts(sharedDb, bob.chatId)).toEqual(["[Beta] hi from bob"]);
    // The stranger's row came first and was dropped by both allowlists (rows are handled in order).
    expect(sentTexts(sharedDb, stranger.chatId)).toEqual([]);
    expect(readFileSync(spawns, "utf8").trim().split("\n")).toHaveLength(1);
    expect(
      gateway
        .status()
        .accounts.map((account) => account.accountId)
        .sort(),
    ).toEqual(["alpha", "beta", "gamma"]);
  });
});

describe("live config reload", () => {
  it("restarts only the account whose settings changed, and the change applies", async () => {
    const before = injectMessage(otherDb, { from: STRANGER, text: "not yet", selfHandle: SELF });
    const carol = injectMessage(otherDb, { from: CAROL, text: "carol here", selfHandle: SELF });
    await waitFor(() => sentTexts(otherDb, carol.chatId)[0], "carol's reply");
    expect(sentTexts(otherDb, before.chatId)).toEqual([]);

    writeFileSync(configPath, configText([CAROL, STRANGER]));
    await waitFor(() => (restartsOf("gamma") === 1 ? true : undefined), "gamma to restart");
    await waitFor(() => (gateway.status().ready ? true : undefined), "gamma to be ready again");
    expect(restartsOf("alpha")).toBe(0);
    expect(restartsOf("beta")).toBe(0);
    const after = injectMessage(otherDb, { from: STRANGER, text: "now allowed", selfHandle: SELF });
    await waitFor(() => sentTexts(otherDb, after.chatId).at(-1), "the newly allowed sender's reply");
    expect(sentTexts(otherDb, after.chatId)).toEqual(["[Alpha] now allowed"]);
  });

  it("keeps the running config and logs the issues when the edited file is invalid", async () => {
    writeFileSync(
      configPath,
      configText([CAROL]).replace('"dmPolicy":"allowlist"', '"dmPolicy":"sometimes"'),
    );
    const ignored = await waitFor(
      () => logs.find((entry) => entry.msg.startsWith("config change ignored")),
      "the invalid config to be reported",
    );
    expect(JSON.stringify(ignored.fields)).toContain("dmPolicy");
    expect(restartsOf("gamma")).toBe(1);
    expect(gateway.status().ready).toBe(true);
    // The old allowlist (with the stranger) still applies.
    const still = injectMessage(otherDb, { from: STRANGER, text: "still here", selfHandle: SELF });
    await waitFor(
      () => (sentTexts(otherDb, still.chatId).includes("[Alpha] still here") ? true : undefined),
      "the reply under the old config",
    );
  });
});
