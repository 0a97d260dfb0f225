/**
 * Issue 12, "CLI": `--json` errors, global options before the command, one unknown-key wording,
 * `config get` of an unknown key, `history` of an unknown chat, and `gateway install`'s flags and config
 * checks. Every case runs the real `imgate` as a child process.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_NODE_FLAGS } from "./commands/gateway-service.ts";
import { imsgSimToolPath, makeTempDir, removeTempDirs, repoRoot, runCli } from "./testing/run-cli.ts";
import { writeSimConfig } from "./testing/sim-config.ts";

afterAll(removeTempDirs);

let home: string;
let config: string;

beforeAll(async () => {
  home = makeTempDir();
  const db = join(home, "chat.db");
  execFileSync(imsgSimToolPath, ["inject", "--db", db, "--from", "+15550001111", "--text", "hello"]);
  config = writeSimConfig({ home, db, stateDir: join(home, "state"), port: await freePort() });
});

const cli = (...args: string[]) => runCli(args, { env: { HOME: home } });

interface JsonError {
  error: { code: string; message: string };
}

describe("--json errors are JSON on stdout with the same exit code", () => {
  it("pairing approve with a malformed code (usage, exit 2)", async () => {
    const plain = await cli("pairing", "approve", "imessage", "no!", "--config", config);
    const json = await cli("pairing", "approve", "imessage", "no!", "--json", "--config", config);
    expect(plain.code).toBe(2);
    expect(json.code).toBe(plain.code);
    const body = JSON.parse(json.stdout) as JsonError;
    expect(body.error.code).toBe("CLI_USAGE");
    expect(body.error.message).toContain('"no!" is not a pairing code');
  });

  it("pairing approve with an unknown code (not found, exit 1)", async () => {
    const json = await cli("pairing", "approve", "imessage", "ABCD2345", "--json", "--config", config);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        code: "CLI_NOT_FOUND",
        message: expect.stringContaining("No pending pairing request found for code: ABCD2345"),
      },
    });
  });

  it("a commander usage error (unknown option) and a missing config file", async () => {
    const unknown = await cli("status", "--json", "--bogus");
    expect(unknown.code).toBe(2);
    expect((JSON.parse(unknown.stdout) as JsonError).error).toMatchObject({ code: "CLI_USAGE" });
    const missing = await cli("chats", "--json", "--config", join(home, "missing.json5"));
    expect(missing.code).toBe(2);
    expect((JSON.parse(missing.stdout) as JsonError).error.code).toBe("CLI_CONFIG_MISSING");
  });
});

describe("global options before the command", () => {
  it("`imgate --config X status` reads X", async () => {
    const port = await freePort();
    const other = join(makeTempDir(), "other.json5");
    writeFileSync(other, `{ gateway: { http: { port: ${port} } } }`);
    const run = await cli("--config", other, "status");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`nothing listens on http://127.0.0.1:${port}`);
    const json = await cli("--json", "--config", other, "status");
    expect(JSON.parse(json.stdout)).toMatchObject({ running: false, url: `http://127.0.0.1:${port}` });
  });
});

describe("unknown keys", () => {
  it("have one wording for gateway keys and channel keys", async () => {
    const file = join(makeTempDir(), "typo.json5");
    writeFileSync(file, `{ gateway: { htp: {} }, channels: { imessage: { dmPolcy: "open" } } }`);
    const run = await cli("config", "validate", "--json", "--config", file);
    expect(run.code).toBe(2);
    const { problems } = JSON.parse(run.stdout) as { problems: { path: string; message: string }[] };
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: "gateway.htp", message: 'unknown key; did you mean "http"?' },
        { path: "channels.imessage.dmPolcy", message: 'unknown key; did you mean "dmPolicy"?' },
      ]),
    );
  });

  it("`config get` of an unknown key does not suggest a `config set` that would be refused", async () => {
    const run = await cli("config", "get", "channels.imessage.dmPolcy", "--config", config);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'channels.imessage.dmPolcy is not a config key (unknown key; did you mean "dmPolicy"?)',
    );
    expect(run.stderr).not.toContain("config set");
    const set = await cli("config", "set", "channels.imessage.dmPolcy", "open", "--config", config);
    expect(set.code).toBe(2);
    // A known key that is simply unset still gets the `config set` hint.
    const known = await cli("config", "get", "channels.imessage.region", "--json", "--config", config);
    expect(known.code).toBe(1);
    expect((JSON.parse(known.stdout) as JsonError).error.message).toContain(
      "set it with `imgate config set channels.imessage.region <value>`",
    );
  });
});

describe("history of an unknown chat", () => {
  it("is an error (exit 1) for a chat_id as for a handle", async () => {
    const byId = await cli("history", "chat_id:987654", "--config", config);
    expect(byId.code).toBe(1);
    expect(byId.stderr).toContain("No chat matches chat_id:987654");
    const byHandle = await cli("history", "+15559999999", "--config", config);
    expect(byHandle.code).toBe(1);
    const json = await cli("history", "chat_id:987654", "--json", "--config", config);
    expect((JSON.parse(json.stdout) as JsonError).error.code).toBe("CLI_NOT_FOUND");
  });
});

describe("gateway install", () => {
  const dryRun = (platform: string, file: string) =>
    cli("gateway", "install", "--dry-run", "--platform", platform, "--config", file);

  it("systemd and launchd start Node with the same flags (ADR 0005)", async () => {
    const systemd = await dryRun("systemd", config);
    const launchd = await dryRun("launchd", config);
    expect(systemd.code).toBe(0);
    expect(launchd.code).toBe(0);
    const exec = /^ExecStart=(.*)$/m.exec(systemd.stdout)?.[1] ?? "";
    expect(exec).toContain(`${process.execPath} --max-semi-space-size=1 `);
    // Stopping the service signals the gateway only; it stops imsg itself (no "imsg exited; restarting").
    expect(systemd.stdout).toMatch(/^KillMode=mixed$/m);
    const programArguments = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/
      .exec(launchd.stdout)?.[1]
      ?.match(/<string>(.*?)<\/string>/g)
      ?.map((s) => s.replace(/<\/?string>/g, ""));
    expect(programArguments?.slice(0, 2)).toEqual([process.execPath, "--max-semi-space-size=1"]);
  });

  it("the ./imgate launcher gives `imgate gateway` the same Node flags as the service files", () => {
    const launcher = readFileSync(join(repoRoot, "imgate"), "utf8");
    const flags = /\[ "\$command" = gateway \] && node_flags=\(([^)]*)\)/.exec(launcher)?.[1]?.split(/\s+/);
    expect(flags).toEqual([...GATEWAY_NODE_FLAGS]);
  });

  it("refuses an invalid config, in --dry-run too (exit 2, key named)", async () => {
    const bad = join(makeTempDir(), "bad.json5");
    writeFileSync(bad, `{ gateway: { htp: {} } }`);
    for (const platform of ["systemd", "launchd"]) {
      const run = await dryRun(platform, bad);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("gateway.htp");
      expect(run.stdout).toBe("");
    }
  });

  it("refuses a missing config, and a dry run warns but still prints", async () => {
    const dir = makeTempDir();
    const missing = join(dir, "nope.json5");
    const real = await cli("gateway", "install", "--platform", "systemd", "--dir", dir, "--config", missing);
    expect(real.code).toBe(2);
    expect(real.stderr).toContain(`${missing} does not exist`);
    const dry = await dryRun("systemd", missing);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(`warning: ${missing} does not exist`);
    expect(dry.stdout).toContain("ExecStart=");
  });
});
