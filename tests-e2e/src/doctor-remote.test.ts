/**
 * Issue 12: doctor's handshake also covers a remote account — `remote.imsgPath rpc` over SSH to a real
 * sshd on loopback must answer like imsg, as the gateway's own transport needs, so doctor cannot pass a
 * remote account that would sit in backoff.
 */
import { writeFileSync } from "node:fs";
import { type SshdHarness, startSshd } from "@imgate/remote-ssh/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkspace, disposeWorkspaces, freePort, IMSG_BIN, runCli } from "./harness/index.ts";

let sshd: SshdHarness | undefined;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
  disposeWorkspaces();
});

async function doctorWith(imsgPath: string) {
  const workspace = createWorkspace();
  const config = workspace.configPath;
  const remote = (sshd as SshdHarness).connectionConfig({ imsgPath, dbPath: workspace.dbPath });
  writeFileSync(
    config,
    JSON.stringify({ channels: { imessage: { remote } }, gateway: { http: { port: await freePort() } } }),
  );
  const run = await runCli(["doctor", "--json", "--config", config], {
    env: {
      HOME: workspace.home,
      IMGATE_STATE_DIR: workspace.stateDir,
      IMGATE_TOKEN: "a-long-random-token-0123456789",
    },
  });
  return {
    code: run.code,
    checks: (JSON.parse(run.stdout) as { checks: { id: string; status: string; detail: string }[] }).checks,
  };
}

describe("doctor with a remote account", () => {
  it("imsg over SSH answers the handshake: the rpc check passes", async () => {
    const { code, checks } = await doctorWith(IMSG_BIN);
    expect(checks.find((check) => check.id === "account.default.rpc")).toMatchObject({
      status: "ok",
      detail: expect.stringMatching(/answers `rpc`/),
    });
    expect(checks.filter((check) => check.status === "fail")).toEqual([]);
    expect(code).toBe(0);
  });

  it("a remote imsgPath that is not imsg fails with what happened", async () => {
    const { code, checks } = await doctorWith("/bin/true");
    expect(code).toBe(1);
    const rpc = checks.find((check) => check.id === "account.default.rpc");
    expect(rpc?.status).toBe("fail");
    expect(rpc?.detail).toContain("/bin/true on 127.0.0.1 runs but is not imsg");
  });
});
