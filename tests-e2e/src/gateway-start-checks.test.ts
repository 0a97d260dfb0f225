/**
 * Issue 12: the gateway process refuses what doctor fails (taken control port, unusable state dir) before
 * any account starts, and only warns about what it can live with (unset secret variables, loose state-dir
 * permissions it fixes itself).
 */
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import {
  createWorkspace,
  disposeWorkspaces,
  type GatewayProcess,
  startGateway,
  waitFor,
} from "./harness/index.ts";

const started: GatewayProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((gateway) => gateway.dispose()));
  disposeWorkspaces();
});

async function launch(options: Parameters<typeof startGateway>[0]): Promise<GatewayProcess> {
  const gateway = await startGateway(options);
  started.push(gateway);
  return gateway;
}

describe("the gateway's start checks", () => {
  let squatter: Server | undefined;
  afterAll(() => squatter?.close());

  it("a control port taken by another program: exits 1 before any account starts", async () => {
    squatter = createServer((socket) => socket.end("not http\r\n"));
    await new Promise<void>((resolve) => squatter?.listen(0, "127.0.0.1", resolve));
    const port = (squatter.address() as { port: number }).port;
    const gateway = await launch({ config: { gateway: { http: { port } } }, waitReady: false });
    const exit = await gateway.exited;
    expect(exit.code).toBe(1);
    expect(gateway.stderr).toContain(`gateway.http.port ${port} on 127.0.0.1 is taken by another program`);
    const messages = gateway.logs().map((line) => line.msg);
    expect(messages).not.toContain("account started");
    expect(messages.some((msg) => msg.startsWith("gateway could not start"))).toBe(true);
    // An expected refusal is one line, not a stack trace.
    expect(gateway.stdout).not.toMatch(/"stack"/);
  });

  it("a second gateway on the same port is told one is already running", async () => {
    const first = await launch({});
    const port = Number(new URL(first.controlUrl).port);
    const second = await launch({ config: { gateway: { http: { port } } }, waitReady: false });
    expect((await second.exited).code).toBe(1);
    expect(second.stderr).toContain(`an imgate gateway is already running on 127.0.0.1:${port}`);
    expect(second.logs().map((line) => line.msg)).not.toContain("account started");
  });

  it.each([
    ["a parent that is a file", "file"],
    ["a directory below /proc", "proc"],
  ])(
    "an unusable gateway.stateDir (%s): exits 1 naming gateway.stateDir, no errno, no spin",
    async (_, kind) => {
      const workspace = createWorkspace();
      writeFileSync(workspace.path("plain-file"), "x");
      const stateDir = kind === "file" ? workspace.path("plain-file", "state") : "/proc/imgate-e2e/state";
      const gateway = await launch({
        workspace,
        config: { gateway: { stateDir } },
        env: { IMGATE_STATE_DIR: undefined },
        waitReady: false,
      });
      const exit = await gateway.exited;
      expect(exit.code).toBe(1);
      expect(gateway.stderr).toContain(`gateway.stateDir ${stateDir} cannot be created`);
      expect(gateway.stderr).not.toMatch(/ENOTDIR|ENOENT/);
      expect(gateway.logs().map((line) => line.msg)).not.toContain("account started");
    },
  );

  it("unset apiKeyEnv and loose state-dir permissions: warnings at start, and the gateway runs", async () => {
    const workspace = createWorkspace();
    mkdirSync(workspace.stateDir, { mode: 0o700 });
    chmodSync(workspace.stateDir, 0o755);
    const gateway = await launch({
      workspace,
      config: {
        agents: {
          list: [
            {
              id: "a",
              default: true,
              backend: { type: "openai", model: "m", apiKeyEnv: "IMGATE_E2E_UNSET_KEY" },
            },
          ],
        },
      },
      env: { IMGATE_E2E_UNSET_KEY: undefined },
    });
    const warning = await gateway.waitForLog((line) => line.check === "env.IMGATE_E2E_UNSET_KEY");
    expect(warning.level).toBe(40);
    expect(warning.msg).toContain("agents.list[0].backend.apiKeyEnv names IMGATE_E2E_UNSET_KEY");
    const loose = await gateway.waitForLog((line) => line.check === "stateDir");
    expect(loose.level).toBe(40);
    expect(statSync(workspace.stateDir).mode & 0o777).toBe(0o700);
  });

  it("a cliPath that is not imsg shows in `imgate status` as backoff with the fix", async () => {
    const gateway = await launch({
      config: { channels: { imessage: { cliPath: "/bin/true" } } },
      waitReady: false,
    });
    const status = await waitFor(
      async () => {
        const run = await gateway.cli(["status"]);
        return run.stdout.includes("backoff") ? run : undefined;
      },
      { what: "status to show the account in backoff" },
    );
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/imessage\/default: backoff — last error: .*true rpc/);
    expect(status.stdout).toContain(
      "fix: channels.imessage.cliPath /bin/true does not answer the imsg rpc handshake",
    );
    const json = JSON.parse((await gateway.cli(["status", "--json"])).stdout) as {
      readiness: { accounts: { fix?: string }[] };
    };
    expect(json.readiness.accounts[0]?.fix).toContain("/bin/true");
  });
});

/** Reports from the original gateway's tracker (openclaw/openclaw), turned into tests. */
describe("reports from the original gateway", () => {
  let web: Server | undefined;
  afterAll(() => web?.close());

  it("#110306: an unrelated HTTP server on the port (404 on /healthz) is not taken for a running gateway", async () => {
    web = createHttpServer((_, response) => {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found");
    });
    await new Promise<void>((resolve) => web?.listen(0, "127.0.0.1", resolve));
    const port = (web.address() as { port: number }).port;
    const gateway = await launch({ config: { gateway: { http: { port } } }, waitReady: false });
    expect((await gateway.exited).code).toBe(1);
    expect(gateway.stderr).toContain(
      `gateway.http.port ${port} on 127.0.0.1 is taken by another program (it answers HTTP 404 to GET /healthz)`,
    );
    const doctor = await gateway.cli(["doctor", "--json"]);
    const checks = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string }[] }).checks;
    expect(checks.find((check) => check.id === "controlPort")?.status).toBe("fail");
  });

  it("#77939: doctor does not call the port of the running gateway a conflict", async () => {
    const gateway = await launch({});
    const doctor = await gateway.cli(["doctor", "--json"]);
    const report = JSON.parse(doctor.stdout) as { checks: { id: string; status: string; detail: string }[] };
    expect(report.checks.find((check) => check.id === "controlPort")).toMatchObject({
      status: "ok",
      detail: expect.stringContaining("an imgate gateway holds the control port"),
    });
    expect(report.checks.filter((check) => check.status === "fail")).toEqual([]);
  });

  it("#79796: imsg failing Full Disk Access shows in status as backoff with the fix, not as healthy", async () => {
    const gateway = await launch({ env: { IMSG_SIM_FDA: "1" }, waitReady: false });
    const status = await waitFor(
      async () => {
        const run = await gateway.cli(["status"]);
        return run.stdout.includes("backoff") ? run : undefined;
      },
      { what: "the account in backoff" },
    );
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/fix: Give Full Disk Access/);
  });

  it("#115074: doctor negotiates with an imsg that predates initialize (the 0.9 surface)", async () => {
    const gateway = await launch({ compat: "0.9" });
    const doctor = await gateway.cli(["doctor", "--json"]);
    const rpc = (
      JSON.parse(doctor.stdout) as { checks: { id: string; status: string; detail: string }[] }
    ).checks.find((check) => check.id === "account.default.rpc");
    expect(rpc).toMatchObject({ status: "ok", detail: expect.stringContaining("(0.9 protocol)") });
  });
});
