import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createPairingService, openStateStore, PAIRING_APPROVED_MESSAGE } from "@imgate/channel-core";
import { afterAll, describe, expect, it } from "vitest";
import {
  createWorkspace,
  disposeWorkspaces,
  freePort,
  IMSG_BIN,
  outgoingRows,
  runCli,
  startGateway,
  waitFor,
  writeConfigFile,
} from "./harness/index.ts";

const CODE = /pairing code is ([A-Z0-9]+)/;

afterAll(disposeWorkspaces);

describe("the pairing-approved notice is one message, gateway or not", () => {
  it("is sent by a running gateway for `pairing approve --notify`", async () => {
    const gateway = await startGateway({ config: { channels: { imessage: { dmPolicy: "pairing" } } } });
    try {
      const dm = gateway.inject({ from: "+15559990201", text: "hello" });
      const reply = await waitFor(() => gateway.outgoing(dm.chatId)[0], { what: "the pairing reply" });
      const code = CODE.exec(reply)?.[1] as string;
      const approve = await gateway.cli(["pairing", "approve", "imessage", code, "--notify"]);
      expect(approve.code, approve.stderr).toBe(0);
      const notice = await waitFor(() => gateway.outgoing(dm.chatId)[1], { what: "the approval notice" });
      expect(notice).toBe(PAIRING_APPROVED_MESSAGE);
    } finally {
      await gateway.dispose();
    }
  });

  it("is sent by the CLI itself, through imsg, when no gateway runs", async () => {
    const workspace = createWorkspace();
    const config = writeConfigFile(workspace.configPath, {
      channels: { imessage: { cliPath: IMSG_BIN, dbPath: workspace.dbPath, dmPolicy: "pairing" } },
      gateway: { http: { port: await freePort() } },
    });
    mkdirSync(workspace.stateDir, { recursive: true });
    const store = openStateStore({ path: join(workspace.stateDir, "state.db") });
    let code: string;
    try {
      const outcome = createPairingService({ store }).request({
        channel: "imessage",
        sender: "+15559990202",
      });
      if (outcome.action !== "reply") throw new Error(`unexpected outcome ${outcome.action}`);
      code = outcome.code;
    } finally {
      store.close();
    }
    const run = await runCli(
      ["pairing", "approve", "imessage", code, "--notify", "--json", "--config", config],
      {
        env: { HOME: workspace.home, IMGATE_STATE_DIR: workspace.stateDir },
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      sender: "+15559990202",
      notified: { via: expect.any(String) },
    });
    expect(outgoingRows(workspace.dbPath).map((row) => row.text)).toEqual([PAIRING_APPROVED_MESSAGE]);
  });
});
