import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRemoteAttachments, createSshConnection, type SshConnection } from "@imgate/remote-ssh";
import { type SshdHarness, startSshd } from "@imgate/remote-ssh/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../../harness/index.ts";

describe("security: SSH host keys and remote attachment paths (real sshd)", () => {
  let sshd: SshdHarness;
  let workspace: Workspace;
  const connections: SshConnection[] = [];
  beforeAll(async () => {
    sshd = await startSshd();
    workspace = createWorkspace();
  });
  afterAll(async () => {
    for (const connection of connections) await connection.close();
    await sshd?.stop();
    workspace?.dispose();
  });

  it("refuses a server whose host key does not match known_hosts", async () => {
    const otherKey = workspace.path("other_host_key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey], { stdio: "ignore" });
    const otherBlob = readFileSync(`${otherKey}.pub`, "utf8").split(/\s+/)[1] as string;
    const knownHosts = workspace.path("known_hosts");
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ssh-ed25519 ${otherBlob}\n`);
    const connection = createSshConnection(sshd.connectionConfig({ knownHostsFile: knownHosts }), {
      backoff: { initialMs: 1000, maxMs: 1000 },
    });
    connections.push(connection);
    const error = await connection.ready({ timeoutMs: 10_000 }).then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    expect(error?.code).toBe("HOST_KEY_CHANGED");
  });

  it("refuses path traversal and symlinks out of the attachment roots, and stores fetched files 0600", async () => {
    const remote = workspace.path("remote");
    const allowed = join(remote, "Attachments");
    mkdirSync(join(remote, "outside"), { recursive: true });
    mkdirSync(allowed, { recursive: true });
    writeFileSync(join(remote, "outside", "secret.txt"), "top secret");
    writeFileSync(join(allowed, "ok.txt"), "fine");
    symlinkSync(join(remote, "outside", "secret.txt"), join(allowed, "link.txt"));
    const connection = createSshConnection(sshd.connectionConfig());
    connections.push(connection);
    const stateDir = workspace.path("state");
    const media = createRemoteAttachments(connection, { stateDir, remoteAttachmentRoots: [allowed] });
    const fetch = (remotePath: string, guid: string) =>
      media.fetchAttachment({ remotePath, account: "proof", guid, maxBytes: 1 << 20 }).then(
        (file) => ({ ok: file.localPath }),
        (error: { code?: string }) => ({ refused: error.code }),
      );
    const results = {
      traversal: await fetch(`${allowed}/../outside/secret.txt`, "g1"),
      symlink: await fetch(join(allowed, "link.txt"), "g2"),
      outsideAbsolute: await fetch(join(remote, "outside", "secret.txt"), "g3"),
    };
    expect(results).toEqual({
      traversal: { refused: "PATH_OUTSIDE_ROOTS" },
      symlink: { refused: "PATH_OUTSIDE_ROOTS" },
      outsideAbsolute: { refused: "PATH_OUTSIDE_ROOTS" },
    });
    const ok = await fetch(join(allowed, "ok.txt"), "g4");
    expect("ok" in ok).toBe(true);
    const localPath = (ok as { ok: string }).ok;
    expect(readFileSync(localPath, "utf8")).toBe("fine");
    expect(statSync(localPath).mode & 0o777).toBe(0o600);
  });
});
