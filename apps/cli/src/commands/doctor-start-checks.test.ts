/**
 * Issue 12, "Doctor and the gateway agree": doctor runs the gateway's own start checks, so it never
 * says "All checks passed" for a setup the gateway would refuse or keep in backoff.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { freePort } from "@imgate/imsg-sim/testing";
import { afterAll, describe, expect, it } from "vitest";
import { imsgSimPath, imsgSimToolPath, makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";

afterAll(removeTempDirs);

interface Report {
  ok: boolean;
  checks: { id: string; status: string; detail: string; fix?: string }[];
}

/** A home with an imsg-sim chat.db, a private state dir and a config built from `extra` (JSON5 text). */
async function setup(options: { cliPath?: string; stateDir?: string; port?: number; extra?: string } = {}) {
  const home = makeTempDir();
  const port = options.port ?? (await freePort());
  const db = join(home, "chat.db");
  execFileSync(imsgSimToolPath, ["inject", "--db", db, "--from", "+15550001111", "--text", "hi"]);
  const stateDir = options.stateDir ?? join(home, "state");
  if (!options.stateDir) mkdirSync(stateDir, { mode: 0o700 });
  const config = join(home, "imgate.json5");
  writeFileSync(
    config,
    `{ channels: { imessage: { cliPath: ${JSON.stringify(options.cliPath ?? imsgSimPath)}, dbPath: ${JSON.stringify(db)} } },
       gateway: { stateDir: ${JSON.stringify(stateDir)}, http: { port: ${port} } }, ${options.extra ?? ""} }`,
  );
  return { home, config, stateDir, port };
}

async function doctor(config: string, home: string, env: Record<string, string | undefined> = {}) {
  const run = await runCli(["doctor", "--json", "--config", config], {
    env: { HOME: home, IMGATE_TOKEN: "a-long-random-token-0123456789", ...env },
  });
  return { run, report: JSON.parse(run.stdout) as Report };
}

const failures = (report: Report) => report.checks.filter((c) => c.status === "fail");

describe("doctor: cliPath must answer the imsg rpc handshake", () => {
  it.each(["/bin/true", "/bin/cat"])(
    "%s runs but is not imsg: a failed check that says what was found",
    async (cliPath) => {
      const { home, config } = await setup({ cliPath });
      const { run, report } = await doctor(config, home);
      expect(run.code).toBe(1);
      const rpc = report.checks.find((c) => c.id === "account.default.rpc");
      expect(rpc?.status).toBe("fail");
      expect(rpc?.detail).toContain(`${cliPath} runs but is not imsg`);
      expect(rpc?.detail).toMatch(/did not answer the imsg handshake \(.+\)/);
      expect(rpc?.fix).toContain("channels.imessage.cliPath");
    },
  );

  it("a file without the execute bit is 'not executable', not 'not found'", async () => {
    const home = makeTempDir();
    const script = join(home, "imsg");
    writeFileSync(script, "#!/bin/sh\nexit 0\n", { mode: 0o644 });
    const { config } = await setup({ cliPath: script });
    const text = await runCli(["doctor", "--config", config], {
      env: { HOME: home, IMGATE_TOKEN: "a-long-random-token-0123456789" },
    });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`cliPath ${script} is not executable (it has no execute permission)`);
    expect(text.stdout).toContain(`Run \`chmod +x ${script}\``);
    expect(text.stdout).not.toContain("not found");
  });

  it("the imsg stand-in passes the handshake and names its version", async () => {
    const { home, config } = await setup();
    const { run, report } = await doctor(config, home);
    expect(failures(report)).toEqual([]);
    expect(run.code).toBe(0);
    expect(report.checks.find((c) => c.id === "account.default.rpc")?.detail).toMatch(
      /imsg \d+\.\d+.* answers `rpc`/,
    );
  });
});

describe("doctor: missing or empty config gets the gateway's verdict", () => {
  it("no config file: doctor fails like `imgate gateway` and `config validate` (exit 2)", async () => {
    const home = makeTempDir();
    const missing = join(home, "nope.json5");
    const { run, report } = await doctor(missing, home);
    expect(run.code).toBe(1);
    expect(report.checks.find((c) => c.id === "config")).toMatchObject({ status: "fail" });
    expect(report.checks.find((c) => c.id === "config")?.detail).toContain("no config file");
    const gateway = await runCli(["gateway", "--config", missing], { env: { HOME: home } });
    expect(gateway.code).toBe(2);
    const validate = await runCli(["config", "validate", "--config", missing], { env: { HOME: home } });
    expect(validate.code).toBe(2);
  });

  it("an empty file means all defaults in validate and doctor alike", async () => {
    const home = makeTempDir();
    const config = join(home, "imgate.json5");
    writeFileSync(config, "\n");
    const validate = await runCli(["config", "validate", "--config", config], { env: { HOME: home } });
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain("empty: all defaults apply");
    const { report } = await doctor(config, home, { IMGATE_STATE_DIR: join(home, "state") });
    expect(report.checks.find((c) => c.id === "config")).toMatchObject({ status: "ok" });
    expect(report.checks.find((c) => c.id === "config")?.detail).toContain("all defaults apply");
  });
});

describe("doctor: an unusable gateway.stateDir is named, never a raw errno or a spin", () => {
  it("a parent that is a file", async () => {
    const home = makeTempDir();
    writeFileSync(join(home, "plain-file"), "x");
    const stateDir = join(home, "plain-file", "state");
    const { config } = await setup({ stateDir });
    const { run, report } = await doctor(config, home);
    expect(run.code).toBe(1);
    const check = report.checks.find((c) => c.id === "stateDir");
    expect(check?.status).toBe("fail");
    expect(check?.detail).toContain(`gateway.stateDir ${stateDir} cannot be created`);
    expect(check?.detail).toContain("is a file, not a directory");
    expect(check?.detail).not.toContain("ENOTDIR");
  });

  it("a directory below /proc (virtual file system)", async () => {
    const stateDir = "/proc/imgate-test/state";
    const { home, config } = await setup({ stateDir });
    const { run, report } = await doctor(config, home);
    expect(run.code).toBe(1);
    expect(report.checks.find((c) => c.id === "stateDir")?.detail).toMatch(
      /gateway\.stateDir \/proc\/imgate-test\/state cannot be created: \/proc is on a virtual file system/,
    );
  });

  it("loose permissions the gateway fixes at start are a warning, not a failure", async () => {
    const { home, config, stateDir } = await setup();
    chmodSync(stateDir, 0o755);
    const { run, report } = await doctor(config, home);
    expect(report.checks.find((c) => c.id === "stateDir")?.status).toBe("warn");
    expect(failures(report)).toEqual([]);
    expect(run.code).toBe(0);
  });
});

describe("doctor: control port and secrets", () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it("a control port held by another program is a failure that says so", async () => {
    server = createServer((socket) => socket.end("SSH-2.0-not-imgate\r\n"));
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const { home, config } = await setup({ port });
    const { run, report } = await doctor(config, home);
    expect(run.code).toBe(1);
    const check = report.checks.find((c) => c.id === "controlPort");
    expect(check?.status).toBe("fail");
    expect(check?.detail).toContain(`gateway.http.port ${port} on 127.0.0.1 is taken by another program`);
  });

  it("an apiKeyEnv / secretEnv naming an unset variable fails doctor", async () => {
    const { home, config } = await setup({
      extra: `agents: { list: [
        { id: "a", default: true, backend: { type: "openai", model: "m", apiKeyEnv: "IMGATE_TEST_UNSET_KEY" } },
        { id: "w", backend: { type: "webhook", url: "http://127.0.0.1:9/hook", secretEnv: "IMGATE_TEST_UNSET_SECRET" } },
      ] }`,
    });
    const { run, report } = await doctor(config, home, {
      IMGATE_TEST_UNSET_KEY: undefined,
      IMGATE_TEST_UNSET_SECRET: undefined,
    });
    expect(run.code).toBe(1);
    expect(report.checks.find((c) => c.id === "env.IMGATE_TEST_UNSET_KEY")).toMatchObject({
      status: "fail",
      detail:
        "agents.list[0].backend.apiKeyEnv names IMGATE_TEST_UNSET_KEY, which is not set in the environment",
    });
    expect(report.checks.find((c) => c.id === "env.IMGATE_TEST_UNSET_SECRET")?.status).toBe("fail");
  });
});
