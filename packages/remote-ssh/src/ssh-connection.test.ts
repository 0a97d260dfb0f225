import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "@imgate/imsg-sim/testing";
import ssh2 from "ssh2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RemoteSshErrorCode } from "./errors.ts";
import { parseKnownHosts } from "./known-hosts.ts";
import { quoteShellArg } from "./shell-quote.ts";
import { createSshConnection, type SshConnection, type SshConnectionState } from "./ssh-connection.ts";
import { createRecordingLogger } from "./testing/recording-logger.ts";
import { type SshdHarness, startSshd } from "./testing/sshd-harness.ts";

let sshd: SshdHarness;
let tmp: string;
const open: SshConnection[] = [];
const fastBackoff = { initialMs: 50, maxMs: 200, jitter: 0 };

function connect(...args: Parameters<typeof createSshConnection>): SshConnection {
  const c = createSshConnection(...args);
  open.push(c);
  return c;
}

async function run(conn: SshConnection, command: string): Promise<{ out: string; code: number | null }> {
  const ch = await conn.exec(command);
  let out = "";
  let code: number | null = null;
  ch.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  ch.stderr.resume();
  ch.on("exit", (c: number | null) => {
    code = c;
  });
  await new Promise((r) => ch.on("close", r));
  return { out, code };
}

beforeAll(async () => {
  sshd = await startSshd();
  tmp = mkdtempSync(join(tmpdir(), "remote-ssh-conn-"));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await sshd?.stop();
  // Set in beforeAll: undefined when it failed early (e.g. no sshd); a second error here would hide the first.
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("createSshConnection against a real sshd", () => {
  it("runs an exec round trip with stdin, stdout and the exit code", async () => {
    const conn = connect(sshd.connectionConfig());
    await conn.ready();
    expect(conn.status().state).toBe("ready");
    const ch = await conn.exec("tr a-z A-Z; exit 7");
    let out = "";
    let code: number | null = null;
    ch.on("data", (d: Buffer) => {
      out += d.toString();
    });
    ch.on("exit", (c: number) => {
      code = c;
    });
    ch.end("hello over ssh2\n");
    await new Promise((r) => ch.on("close", r));
    expect(out).toBe("HELLO OVER SSH2\n");
    expect(code).toBe(7);
  });

  it("passes hostile strings through the remote shell unchanged when quoted", async () => {
    const conn = connect(sshd.connectionConfig());
    const hostile = [
      "plain",
      "it's",
      "'; touch /tmp/pwned-imgate; '",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell expansion is the point
      "$(id) `id` ${HOME} $HOME",
      'a"b\\c',
      "new\nline",
      "-n",
      "--",
      "* ? [a-z] ~ ! # & | ; < >",
      "''''",
      "ünïcødé 💬",
      "",
    ];
    const { out, code } = await run(conn, `printf '%s\\0' ${hostile.map(quoteShellArg).join(" ")}`);
    expect(code).toBe(0);
    expect(out.split("\0").slice(0, -1)).toEqual(hostile);
    expect(() => statSync("/tmp/pwned-imgate")).toThrow();
  });

  it("refuses an unknown host in strict mode and names its fingerprint and the ssh-keyscan command", async () => {
    const knownHostsFile = join(tmp, "empty_known_hosts");
    writeFileSync(knownHostsFile, "");
    const logger = createRecordingLogger();
    const conn = connect(sshd.connectionConfig({ knownHostsFile }), { logger, backoff: fastBackoff });
    const err = await conn.ready().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: RemoteSshErrorCode.hostKeyUnknown });
    const message = (err as Error).message;
    expect(message).toContain(sshd.hostKeyFingerprint);
    expect(message).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${knownHostsFile}`);
    expect(message).toContain("accept-new");
    expect(readFileSync(knownHostsFile, "utf8")).toBe("");
    expect(conn.status().lastError?.code).toBe(RemoteSshErrorCode.hostKeyUnknown);
  });

  it("records an unknown host in accept-new mode (file created 0600) and then trusts it", async () => {
    const knownHostsFile = join(tmp, "fresh", "known_hosts");
    const conn = connect(sshd.connectionConfig({ knownHostsFile, hostKeyPolicy: "accept-new" }));
    await conn.ready();
    const text = readFileSync(knownHostsFile, "utf8");
    expect(text.trim()).toBe(sshd.knownHostsLine);
    expect(statSync(knownHostsFile).mode & 0o777).toBe(0o600);
    await conn.close();
    // A second connection in strict mode now matches the recorded line.
    const strict = connect(sshd.connectionConfig({ knownHostsFile }));
    await strict.ready();
    expect(readFileSync(knownHostsFile, "utf8")).toBe(text);
  });

  it("refuses a changed host key loudly, even in accept-new mode", async () => {
    const other = ssh2.utils.generateKeyPairSync("ed25519");
    const otherBlob = Buffer.from(other.public.split(" ")[1] ?? "", "base64");
    const knownHostsFile = join(tmp, "changed_known_hosts");
    writeFileSync(knownHostsFile, `[127.0.0.1]:${sshd.port} ssh-ed25519 ${otherBlob.toString("base64")}\n`);
    const logger = createRecordingLogger();
    const conn = connect(sshd.connectionConfig({ knownHostsFile, hostKeyPolicy: "accept-new" }), {
      logger,
      backoff: fastBackoff,
    });
    const err = await conn.ready().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: RemoteSshErrorCode.hostKeyChanged });
    expect((err as Error).message).toContain("HOST KEY CHANGED");
    expect((err as Error).message).toContain(sshd.hostKeyFingerprint);
    expect(logger.records.some((r) => r.level === "error" && r.msg.includes("HOST KEY CHANGED"))).toBe(true);
    expect(parseKnownHosts(readFileSync(knownHostsFile, "utf8"))).toHaveLength(1);
  });

  it("refuses a key marked @revoked", async () => {
    const knownHostsFile = join(tmp, "revoked_known_hosts");
    writeFileSync(
      knownHostsFile,
      `${sshd.knownHostsLine}\n@revoked * ${sshd.knownHostsLine.split(" ").slice(1).join(" ")}\n`,
    );
    const conn = connect(sshd.connectionConfig({ knownHostsFile }), { backoff: fastBackoff });
    await expect(conn.ready()).rejects.toMatchObject({ code: RemoteSshErrorCode.hostKeyRevoked });
  });

  it("accepts a hashed known_hosts entry", async () => {
    const knownHostsFile = join(tmp, "hashed_known_hosts");
    writeFileSync(knownHostsFile, `${sshd.knownHostsLine}\n`);
    execFileSync("ssh-keygen", ["-q", "-H", "-f", knownHostsFile], { stdio: "ignore" });
    expect(readFileSync(knownHostsFile, "utf8")).toMatch(/^\|1\|/);
    const conn = connect(sshd.connectionConfig({ knownHostsFile }));
    await conn.ready();
    expect((await run(conn, "echo ok")).out).toBe("ok\n");
  });

  it("authenticates with an encrypted key whose passphrase comes from the env var named in config", async () => {
    const key = join(tmp, "id_encrypted");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "s3cret pass", "-f", key], { stdio: "ignore" });
    writeFileSync(join(sshd.dir, "authorized_keys"), readFileSync(`${key}.pub`), { flag: "a" });
    const logger = createRecordingLogger();
    const without = connect(sshd.connectionConfig({ identityFile: key }), {
      logger,
      backoff: fastBackoff,
      env: {},
    });
    await expect(without.ready()).rejects.toMatchObject({ code: RemoteSshErrorCode.keyPassphraseMissing });
    const conn = connect(sshd.connectionConfig({ identityFile: key, passphraseEnv: "IMGATE_TEST_PASS" }), {
      logger,
      env: { IMGATE_TEST_PASS: "s3cret pass" },
    });
    await conn.ready();
    expect(JSON.stringify(logger.records)).not.toContain("s3cret");
  });

  it("reports AUTH_FAILED when the key is not authorised", async () => {
    const key = join(tmp, "id_stranger");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key], { stdio: "ignore" });
    const conn = connect(sshd.connectionConfig({ identityFile: key }), { backoff: fastBackoff });
    await expect(conn.ready()).rejects.toMatchObject({ code: RemoteSshErrorCode.authFailed });
  });

  it("honours ~/.ssh/config Host aliases (HostName, User, Port, IdentityFile)", async () => {
    const sshConfigFile = join(tmp, "ssh_config");
    writeFileSync(
      sshConfigFile,
      [
        "Host other-*",
        "  Port 1",
        "Host mac-mini",
        `  HostName 127.0.0.1`,
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  IdentityFile ${sshd.userKeyPath}`,
        "Host *",
        "  Port 2",
        "",
      ].join("\n"),
    );
    const conn = connect({
      host: "mac-mini",
      sshConfigFile,
      knownHostsFile: sshd.knownHostsFile,
      agent: false,
    });
    await conn.ready();
    expect(conn.describe()).toBe(`ssh ${sshd.user}@127.0.0.1:${sshd.port}`);
  });

  it("reconnects with backoff after sshd is killed, and the state is observable", async () => {
    const states: SshConnectionState[] = [];
    const conn = connect(sshd.connectionConfig(), { backoff: fastBackoff, keepaliveIntervalMs: 1000 });
    conn.onStatus((s) => states.push(s.state));
    await conn.ready();
    // Kill only once the remote command runs (past the login shell's startup files).
    const ch = await conn.exec("echo started; exec sleep 30");
    const started = new Promise((r) => ch.once("data", r));
    const channelClosed = new Promise((r) => ch.on("close", r));
    await started;
    // ssh2 emits a channel's `close` only after its readable side has ended, so keep consuming it.
    ch.resume();
    await sshd.kill("SIGKILL");
    await channelClosed;
    await sshd.restart();
    await waitFor(() => conn.status().state === "ready", "reconnected");
    expect(states).toContain("backoff");
    expect(states.at(-1)).toBe("ready");
    expect((await run(conn, "echo back")).out).toBe("back\n");
  });

  it("rejects an invalid config with INVALID_CONFIG", () => {
    expect(() => createSshConnection({ host: "bad host; rm -rf /" })).toThrow(
      expect.objectContaining({ code: RemoteSshErrorCode.invalidConfig }),
    );
  });

  it("closes: state closed and ready() rejects with CLOSED", async () => {
    const conn = connect(sshd.connectionConfig());
    await conn.ready();
    await conn.close();
    expect(conn.status().state).toBe("closed");
    await expect(conn.ready()).rejects.toMatchObject({ code: RemoteSshErrorCode.closed });
  });
});
