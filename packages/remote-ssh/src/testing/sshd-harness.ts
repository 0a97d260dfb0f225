import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "@imgate/imsg-sim/testing";
import type { SshConnectionConfigInput } from "../connection-config.ts";
import { hostKeyFingerprint, knownHostsLine } from "../known-hosts.ts";
import { isAlive, processTree, signalAll } from "./process-tree.ts";

/** A throwaway OpenSSH server on 127.0.0.1 for tests and benchmarks. */
export interface SshdHarness {
  /** Always `127.0.0.1`. */
  host: string;
  /** Listening port (kept across {@link restart}). */
  port: number;
  /** Login user (the user running the tests). */
  user: string;
  /** Temp directory holding keys, config, pid file; removed by {@link stop}. */
  dir: string;
  /** `SHA256:…` fingerprint of the server's ed25519 host key. */
  hostKeyFingerprint: string;
  /** Raw public key blob of the host key. */
  hostKeyBlob: Buffer;
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA…` */
  knownHostsLine: string;
  /** A known_hosts file containing {@link knownHostsLine}. */
  knownHostsFile: string;
  /** Unencrypted ed25519 private key authorised for {@link user}. */
  userKeyPath: string;
  /** Pid of the listening sshd, or undefined while it is down. */
  pid(): number | undefined;
  /** Everything sshd wrote to stderr (for failure messages). */
  logs(): string;
  /** A connection config for this server (strict host keys against {@link knownHostsFile}, no agent, no ssh_config). */
  connectionConfig(extra?: Partial<SshConnectionConfigInput>): SshConnectionConfigInput;
  /** Stops sshd and every session process it started, then deletes {@link dir}. */
  stop(): Promise<void>;
  /** Signals sshd and every session process it started (default SIGKILL: all connections drop at once). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts sshd again on the same port with the same keys (after {@link kill}). */
  restart(): Promise<void>;
}

/** Options of {@link startSshd}. */
export interface StartSshdOptions {
  /** Extra sshd_config lines. */
  extraConfig?: readonly string[];
  /** sshd binary (default `IMGATE_SSHD`, else /usr/sbin/sshd — the path `scripts/provision-test-deps.sh` checks). */
  sshdPath?: string;
}

function keygen(path: string): void {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "imgate-test", "-f", path], {
    stdio: "ignore",
  });
}

const live = new Set<() => void>();
process.once("exit", () => {
  for (const k of live) k();
});

/**
 * Starts a real OpenSSH `sshd` on 127.0.0.1 with throwaway host and user keys and its own config
 * (`-D -e -f`). The caller must `stop()` it (in `afterAll`); a process-exit hook SIGKILLs leftovers.
 */
export async function startSshd(options: StartSshdOptions = {}): Promise<SshdHarness> {
  const sshdPath = options.sshdPath ?? (process.env.IMGATE_SSHD || "/usr/sbin/sshd");
  if (!existsSync(sshdPath)) {
    throw new Error(
      `${sshdPath} not found: install openssh-server (\`npm test\` does it for you: scripts/provision-test-deps.sh).`,
    );
  }
  // Debian's sshd refuses to start without its privilege-separation directory (normally made by the service unit).
  if (!existsSync("/run/sshd") && process.getuid?.() === 0) mkdirSync("/run/sshd", { mode: 0o755 });

  const dir = await mkdtemp(join(tmpdir(), "imgate-sshd-"));
  const hostKey = join(dir, "ssh_host_ed25519_key");
  const userKeyPath = join(dir, "id_ed25519");
  keygen(hostKey);
  keygen(userKeyPath);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${userKeyPath}.pub`), { mode: 0o600 });
  const port = await freePort();
  const user = userInfo().username;
  const configPath = join(dir, "sshd_config");
  writeFileSync(
    configPath,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "StrictModes no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "MaxSessions 32",
      "Subsystem sftp internal-sftp",
      // The stand-in `imsg` run over SSH uses this test run's Node, not whatever `node` the login PATH finds
      // (an older system Node when the toolchain's Node 24 came from the caller's PATH).
      `SetEnv IMGATE_NODE="${process.env.IMGATE_NODE || process.execPath}"`,
      ...(options.extraConfig ?? []),
      "",
    ].join("\n"),
  );

  const blob = Buffer.from(readFileSync(`${hostKey}.pub`, "utf8").split(/\s+/)[1] ?? "", "base64");
  const name = `[127.0.0.1]:${port}`;
  const line = knownHostsLine(name, blob);
  const knownHostsFile = join(dir, "known_hosts");
  writeFileSync(knownHostsFile, `${line}\n`, { mode: 0o600 });

  let child: ChildProcess | undefined;
  let log = "";

  const killTree = (signal: NodeJS.Signals): number[] => {
    const pid = child?.pid;
    if (pid === undefined) return [];
    const tree = processTree(pid);
    signalAll(tree, signal);
    return tree;
  };
  const exitHook = () => killTree("SIGKILL");
  live.add(exitHook);

  async function waitGone(pids: readonly number[], deadlineMs: number): Promise<boolean> {
    const deadline = Date.now() + deadlineMs;
    while (pids.some(isAlive)) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  async function launch(): Promise<void> {
    const proc = spawn(sshdPath, ["-D", "-e", "-f", configPath], { stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      const onData = (chunk: Buffer) => {
        log += chunk.toString("utf8");
        seen += chunk.toString("utf8");
        if (seen.includes(`Server listening on 127.0.0.1 port ${port}`)) resolve();
      };
      proc.stderr?.on("data", onData);
      proc.once("error", reject);
      proc.once("exit", (code, signal) =>
        reject(new Error(`sshd exited before listening (code ${code}, signal ${signal}):\n${seen}`)),
      );
    });
  }

  await launch();

  const harness: SshdHarness = {
    host: "127.0.0.1",
    port,
    user,
    dir,
    hostKeyFingerprint: hostKeyFingerprint(blob),
    hostKeyBlob: blob,
    knownHostsLine: line,
    knownHostsFile,
    userKeyPath,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    logs: () => log,
    connectionConfig: (extra = {}) => ({
      host: "127.0.0.1",
      port,
      user,
      identityFile: userKeyPath,
      knownHostsFile,
      hostKeyPolicy: "strict",
      sshConfigFile: "none",
      agent: false,
      ...extra,
    }),
    async kill(signal = "SIGKILL") {
      const tree = killTree(signal);
      if (signal === "SIGKILL") await waitGone(tree, 5000);
    },
    async restart() {
      if (harness.pid() !== undefined) await harness.kill("SIGKILL");
      await launch();
    },
    async stop() {
      const tree = killTree("SIGTERM");
      if (!(await waitGone(tree, 3000))) {
        signalAll(tree, "SIGKILL");
        await waitGone(tree, 3000);
      }
      child = undefined;
      live.delete(exitHook);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
