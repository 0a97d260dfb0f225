import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type SshdHarness, startSshd } from "@imgate/remote-ssh/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GatewayProcess,
  type LoopbackServer,
  sendJson,
  startGateway,
  startLoopbackServer,
  waitFor,
} from "../../harness/index.ts";

const OWNER = "+15550008001";
const OPENAI_KEY = "sk-proof-4d1c7a0e9b2f43c8a1e5d6f7b8c9d0e1";
const CONTROL_TOKEN = "ctl-proof-9e8d7c6b5a4f3e2d1c0b";
const PASSPHRASE = "ssh-proof-passphrase-5c4b3a29";

/** Every path under `dir` with its permission bits. */
function modes(dir: string): Array<{ path: string; mode: number; dir: boolean }> {
  const out = [{ path: dir, mode: statSync(dir).mode & 0o777, dir: true }];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    out.push({ path, mode: statSync(path).mode & 0o777, dir: entry.isDirectory() });
  }
  return out;
}

describe("security: secrets stay out of logs; state files are private", () => {
  let gateway: GatewayProcess;
  let upstream: LoopbackServer;
  let sshd: SshdHarness;
  beforeAll(async () => {
    // An upstream that reflects the key in an error body once, then answers.
    upstream = await startLoopbackServer((request, response, index) => {
      if (index === 0) return sendJson(response, 500, { error: `bad key ${request.headers.authorization}` });
      return sendJson(response, 200, {
        choices: [{ message: { role: "assistant", content: "proof reply" } }],
      });
    });
    sshd = await startSshd();
    // The sshd's authorised user key, encrypted with the passphrase: the gateway must decrypt it to log in.
    const keyPath = join(sshd.dir, "id_encrypted");
    copyFileSync(sshd.userKeyPath, keyPath);
    execFileSync("ssh-keygen", ["-q", "-p", "-N", PASSPHRASE, "-f", keyPath], { stdio: "ignore" });
    gateway = await startGateway({
      config: {
        agents: {
          list: [
            {
              id: "main",
              default: true,
              backend: {
                type: "openai",
                baseUrl: upstream.url,
                model: "m",
                apiKeyEnv: "OPENAI_API_KEY",
                maxRetries: 1,
              },
            },
          ],
        },
        channels: {
          imessage: {
            dmPolicy: "allowlist",
            allowFrom: [OWNER],
            accounts: {
              local: {},
              // imsg over ssh2 to a real sshd on loopback, logging in with the encrypted key.
              remote: {
                dbPath: "/tmp/imgate-proof-remote-unused.db",
                remote: {
                  host: sshd.host,
                  port: sshd.port,
                  user: sshd.user,
                  identityFile: keyPath,
                  passphraseEnv: "IMGATE_SSH_PASSPHRASE",
                  knownHostsFile: sshd.knownHostsFile,
                  imsgPath: "/nonexistent/imsg",
                },
              },
            },
          },
        },
      },
      env: { OPENAI_API_KEY: OPENAI_KEY, IMGATE_TOKEN: CONTROL_TOKEN, IMGATE_SSH_PASSPHRASE: PASSPHRASE },
      waitReady: false,
    });
    await waitFor(() => gateway.logs().some((line) => line.msg === "imsg watch subscribed"), {
      what: "the local account's watch",
    }).catch((error: Error) => {
      const warnings = gateway.logs().filter((line) => line.level >= 40);
      throw new Error(
        `${error.message}; ${JSON.stringify(warnings).slice(0, 2000)} ${gateway.stderr.slice(0, 1000)}`,
      );
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    await upstream?.close();
    await sshd?.stop();
  });

  it("an OpenAI key, the control token and an SSH passphrase never appear in stdout or stderr", async () => {
    const { chatId } = gateway.inject({ from: OWNER, text: "hello openai" });
    await waitFor(() => gateway.outgoing(chatId).includes("proof reply"), { what: "the agent's reply" });
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const bad = await fetch(`${gateway.controlUrl}/v1/pairing`, {
      headers: { authorization: "Bearer nope" },
    });
    const good = await fetch(`${gateway.controlUrl}/readyz`, {
      headers: { authorization: `Bearer ${CONTROL_TOKEN}` },
    });
    expect([bad.status, good.status === 200 || good.status === 503]).toEqual([401, true]);
    // The remote account logged in with the decrypted key (its imsgPath does not exist, so it then fails).
    await waitFor(() => /Accepted publickey/.test(sshd.logs()), {
      what: "an ssh login with the encrypted key",
    });
    const shown = await gateway.cli(["config", "show"]);
    const status = await gateway.cli(["status", "--json"]);
    await gateway.stop();
    const everything = [
      gateway.stdout,
      gateway.stderr,
      shown.stdout,
      shown.stderr,
      status.stdout,
      status.stderr,
    ].join("\n");
    expect(everything.length).toBeGreaterThan(1000);
    for (const secret of [OPENAI_KEY, CONTROL_TOKEN, PASSPHRASE]) {
      expect(everything.includes(secret), `${secret.slice(0, 8)}… leaked`).toBe(false);
    }
  });

  it("the state dir is 0700 and every file in it 0600 (state.db, -wal, -shm, media)", () => {
    const entries = modes(gateway.workspace.stateDir);
    const names = entries.map((e) => e.path.slice(gateway.workspace.stateDir.length));
    expect(names).toEqual(expect.arrayContaining(["", "/state.db"]));
    const wrong = entries
      .filter((e) => e.mode !== (e.dir ? 0o700 : 0o600))
      .map((e) => `${e.path} ${e.mode.toString(8)}`);
    expect(wrong).toEqual([]);
  });
});
