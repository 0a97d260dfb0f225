import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, repoRoot, runCli, startGateway, waitFor } from "./harness/index.ts";

const STRANGER = "+15559990111";
const RELATIVE = "state-rel-e2e";

describe("a relative gateway.stateDir", () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    // The gateway child runs with cwd = the repository root and no IMGATE_STATE_DIR, so only the
    // config's relative stateDir decides where state.db goes.
    gateway = await startGateway({
      config: { gateway: { stateDir: RELATIVE }, channels: { imessage: { dmPolicy: "pairing" } } },
      env: { IMGATE_STATE_DIR: undefined },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    // Only present if the rule regressed to "relative to the working directory".
    rmSync(join(repoRoot, RELATIVE), { recursive: true, force: true });
  });

  it("is relative to the config file, and the CLI opens the same state.db from another directory", async () => {
    const expected = gateway.workspace.path(RELATIVE);
    expect(existsSync(join(expected, "state.db"))).toBe(true);
    expect(existsSync(join(repoRoot, RELATIVE))).toBe(false);

    const dm = gateway.inject({ from: STRANGER, text: "hello" });
    await waitFor(() => gateway.outgoing(dm.chatId)[0], { what: "the pairing reply" });

    // The CLI runs from yet another directory (the private HOME) with only --config.
    const run = await runCli(["pairing", "list", "imessage", "--json", "--config", gateway.configPath], {
      cwd: gateway.workspace.home,
      env: { HOME: gateway.workspace.home },
    });
    expect(run.code, run.stderr).toBe(0);
    const listed = JSON.parse(run.stdout) as { requests: Array<{ sender: string }> };
    expect(listed.requests.map((request) => request.sender)).toEqual([STRANGER]);
  });
});
