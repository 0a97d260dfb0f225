/**
 * Attachment fetch: a file pulled by remote-ssh (ssh2, pipelined reads over the managed connection's
 * SFTP session) against OpenSSH `scp` (same keys, same known_hosts, same loopback sshd; scp ≥ 9.0 also
 * uses SFTP), alternating, median of N rounds each. scp pays its own handshake per copy, so remote-ssh is also measured cold
 * (new connection + fetch). Run: `node --conditions=@imgate/source bench/ssh-fetch.ts [MB] [rounds]`.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createRemoteAttachments, createSshConnection } from "@imgate/remote-ssh";
import { startSshd } from "@imgate/remote-ssh/testing";

const run = promisify(execFile);

/** What {@link runSshFetch} measured (milliseconds are medians). */
export interface SshFetchResult {
  name: "ssh-fetch";
  bytes: number;
  rounds: number;
  /** remote-ssh on an established connection (how the gateway uses it). */
  remoteSshMs: number;
  /** remote-ssh including connect, host-key check and auth. */
  remoteSshColdMs: number;
  /** `/usr/bin/scp` (includes its handshake). */
  scpMs: number;
  /** scpMs / remoteSshMs: ≥ 1.0 means remote-ssh is at least as fast as scp (target). */
  ratio: number;
  /** scpMs / remoteSshColdMs. */
  coldRatio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function timed(task: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await task();
  return performance.now() - start;
}

/** Runs the benchmark and returns the figures. */
export async function runSshFetch(megabytes = 50, rounds = 5): Promise<SshFetchResult> {
  const sshd = await startSshd();
  const dir = mkdtempSync(join(tmpdir(), "bench-ssh-fetch-"));
  try {
    const root = join(dir, "Attachments");
    const file = join(root, "big.bin");
    const bytes = megabytes * 1024 * 1024;
    await run("mkdir", ["-p", root]);
    writeFileSync(file, randomBytes(bytes));
    const config = sshd.connectionConfig();
    const warm = createSshConnection(config);
    await warm.ready();
    const attachmentsFor = (conn: typeof warm, stateDir: string) =>
      createRemoteAttachments(conn, { stateDir, remoteAttachmentRoots: [root], maxParallel: 1 });
    const fetchWith = async (conn: typeof warm, i: number) => {
      const got = await attachmentsFor(conn, join(dir, `state-${i}`)).fetchAttachment({
        remotePath: file,
        account: "bench",
        guid: `g${i}`,
        maxBytes: bytes,
      });
      if (got.bytes !== bytes) throw new Error(`remote-ssh fetched ${got.bytes} of ${bytes} bytes`);
      rmSync(join(dir, `state-${i}`), { recursive: true, force: true });
    };
    const scp = async (i: number) => {
      const dest = join(dir, `scp-${i}.bin`);
      await run("scp", [
        "-q",
        "-P",
        String(sshd.port),
        "-i",
        sshd.userKeyPath,
        "-o",
        `UserKnownHostsFile=${sshd.knownHostsFile}`,
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        `${sshd.user}@127.0.0.1:${file}`,
        dest,
      ]);
      if (statSync(dest).size !== bytes) throw new Error("scp copied a different size");
      rmSync(dest, { force: true });
    };
    // Warm-up (page cache, JIT) for both paths.
    await fetchWith(warm, -1);
    await scp(-1);
    const warmMs: number[] = [];
    const coldMs: number[] = [];
    const scpMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      warmMs.push(await timed(() => fetchWith(warm, i)));
      scpMs.push(await timed(() => scp(i)));
      coldMs.push(
        await timed(async () => {
          const cold = createSshConnection(config);
          try {
            await fetchWith(cold, 100 + i);
          } finally {
            await cold.close();
          }
        }),
      );
    }
    await warm.close();
    const result = {
      name: "ssh-fetch" as const,
      bytes,
      rounds,
      remoteSshMs: median(warmMs),
      remoteSshColdMs: median(coldMs),
      scpMs: median(scpMs),
    };
    return {
      ...result,
      ratio: result.scpMs / result.remoteSshMs,
      coldRatio: result.scpMs / result.remoteSshColdMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sshd.stop();
  }
}

/** Formats the figures as a table. */
export function formatSshFetch(r: SshFetchResult): string {
  const mbps = (ms: number) => (r.bytes / 1024 / 1024 / (ms / 1000)).toFixed(1);
  const row = (label: string, ms: number) =>
    `| ${label.padEnd(40)} | ${ms.toFixed(0).padStart(7)} | ${mbps(ms).padStart(7)} |`;
  return [
    `ssh-fetch: ${(r.bytes / 1024 / 1024).toFixed(0)} MiB over loopback sshd, median of ${r.rounds}, alternating`,
    `| ${"path".padEnd(40)} | ${"ms".padStart(7)} | ${"MiB/s".padStart(7)} |`,
    `|${"-".repeat(42)}|${"-".repeat(9)}|${"-".repeat(9)}|`,
    row("OpenSSH scp (incl. its handshake)", r.scpMs),
    row("remote-ssh fetchAttachment (warm conn)", r.remoteSshMs),
    row("remote-ssh connect + fetchAttachment", r.remoteSshColdMs),
    `speed vs scp: warm ${r.ratio.toFixed(2)}×, cold ${r.coldRatio.toFixed(2)}× (target ≥ 1.0×)`,
  ].join("\n");
}

if (import.meta.main) {
  const megabytes = Number(process.argv[2] ?? 50);
  const rounds = Number(process.argv[3] ?? 5);
  console.log(formatSshFetch(await runSshFetch(megabytes, rounds)));
}
