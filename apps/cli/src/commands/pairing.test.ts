import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPairingService, openStateStore } from "@imgate/channel-core";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";

afterAll(removeTempDirs);

let home: string;
let stateDir: string;
let config: string;

/** Records a pending request the way the gateway does, and returns its code. */
function seedRequest(sender: string): string {
  const store = openStateStore({ path: join(stateDir, "state.db") });
  try {
    const outcome = createPairingService({ store }).request({
      channel: "imessage",
      sender,
      meta: { chatId: "7" },
    });
    if (outcome.action !== "reply") throw new Error(`unexpected outcome ${outcome.action}`);
    return outcome.code;
  } finally {
    store.close();
  }
}

function approvedSenders(): string[] {
  const store = openStateStore({ path: join(stateDir, "state.db") });
  try {
    return createPairingService({ store })
      .listApproved("imessage")
      .map((a) => a.sender);
  } finally {
    store.close();
  }
}

beforeEach(() => {
  home = makeTempDir();
  stateDir = join(home, "state");
  config = join(home, "imgate.json5");
  writeFileSync(config, "{ channels: { imessage: { dmPolicy: 'pairing' } } }\n");
});
const cli = (...args: string[]) => runCli(args, { env: { HOME: home, IMGATE_STATE_DIR: stateDir } });

describe("imgate pairing", () => {
  it("lists nothing before any request (no database yet)", async () => {
    const run = await cli("pairing", "list", "--config", config);
    expect(run).toMatchObject({ code: 0, stdout: "No pending imessage pairing requests.\n" });
    const json = await cli("pairing", "list", "imessage", "--json", "--config", config);
    expect(JSON.parse(json.stdout)).toEqual({ channel: "imessage", requests: [] });
  });

  it("lists pending requests as a table and as JSON", async () => {
    const code = seedRequest("+15550001111");
    const table = await cli("pairing", "list", "imessage", "--config", config);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Code\s+Sender\s+Requested\s+Expires in\s+Meta$/m);
    expect(table.stdout).toContain(code);
    expect(table.stdout).toContain("+15550001111");
    const json = await cli("pairing", "list", "imsg", "--json", "--config", config);
    const parsed = JSON.parse(json.stdout) as {
      channel: string;
      requests: { code: string; sender: string; meta: object }[];
    };
    expect(parsed.channel).toBe("imessage");
    expect(parsed.requests).toEqual([
      expect.objectContaining({ code, sender: "+15550001111", meta: { chatId: "7" } }),
    ]);
  });

  it("approves by code, case-insensitively, and the request is gone", async () => {
    const code = seedRequest("+15550001111");
    const run = await cli("pairing", "approve", "imessage", code.toLowerCase(), "--json", "--config", config);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ code, sender: "+15550001111", approved: true });
    expect(approvedSenders()).toEqual(["+15550001111"]);
    const list = await cli("pairing", "list", "--json", "--config", config);
    expect((JSON.parse(list.stdout) as { requests: unknown[] }).requests).toEqual([]);
  });

  it("rejects by code without approving", async () => {
    const code = seedRequest("bob@example.com");
    const run = await cli("pairing", "reject", "imessage", code, "--config", config);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("bob@example.com");
    expect(approvedSenders()).toEqual([]);
  });

  it("fails with exit 1 for an unknown code and exit 2 for an unknown channel", async () => {
    seedRequest("+15550001111");
    const unknown = await cli("pairing", "approve", "imessage", "ZZZZZZZZ", "--config", config);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /No pending pairing request found for code: ZZZZZZZZ; .*imgate pairing list/,
    );
    const channel = await cli("pairing", "approve", "telegram", "ABCDEFGH", "--config", config);
    expect(channel.code).toBe(2);
    expect(channel.stderr).toMatch(/Unknown channel "telegram"/);
  });
});
