import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import type { Account } from "../../imessage-channel-api.ts";
import { expandPath } from "../../resolve-config-path.ts";
import { check, type DoctorCheck } from "./doctor-check.ts";
import { runQuick } from "./run-quick.ts";

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error?: string) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs / 1000} s`));
    socket.once("connect", () => done());
    socket.once("error", (error) => done(error.message));
  });
}

/** Whether `known_hosts` has a plain entry for the host (hashed entries are checked with ssh-keygen). */
async function knownHostStatus(
  file: string,
  host: string,
  port: number,
): Promise<"known" | "unknown" | "no-file"> {
  if (!existsSync(file)) return "no-file";
  const name = port === 22 ? host : `[${host}]:${port}`;
  const text = readFileSync(file, "utf8");
  for (const line of text.split("\n")) {
    const hosts = line.trim().split(/\s+/)[0]?.split(",") ?? [];
    if (hosts.includes(name)) return "known";
  }
  const keygen = await runQuick("ssh-keygen", ["-F", name, "-f", file], 5_000);
  return keygen.code === 0 && keygen.output.trim() !== "" ? "known" : "unknown";
}

/** A remote account: the SSH port answers, the host key is known, and `imsg rpc` answers over SSH. */
export async function checkRemoteAccount(prefix: string, label: string, account: Account) {
  const remote = account.remote as NonNullable<Account["remote"]>;
  const checks: DoctorCheck[] = [];
  const port = remote.port ?? 22;
  const error = await tcpReachable(remote.host, port, 5_000);
  if (error) {
    checks.push(
      check(
        `${prefix}.ssh`,
        "fail",
        `${label}: cannot reach ${remote.host}:${port} (${error})`,
        "Check channels.imessage.remote.host/port, that the Mac is awake and Remote Login is on (System Settings › General › Sharing).",
      ),
    );
    return checks;
  }
  checks.push(check(`${prefix}.ssh`, "ok", `${label}: ${remote.host}:${port} accepts connections`));
  const knownHosts = expandPath(remote.knownHostsFile ?? "~/.ssh/known_hosts");
  const status = await knownHostStatus(knownHosts, remote.host, port);
  if (status === "known") {
    checks.push(check(`${prefix}.hostKey`, "ok", `${label}: host key of ${remote.host} is in ${knownHosts}`));
  } else {
    const strict = (remote.hostKeyPolicy ?? "strict") === "strict";
    checks.push(
      check(
        `${prefix}.hostKey`,
        strict ? "fail" : "warn",
        `${label}: no host key for ${remote.host} in ${knownHosts}`,
        `Run \`ssh-keyscan -p ${port} ${remote.host} >> ${knownHosts}\` and compare the fingerprint with the Mac's, or connect once with \`ssh -p ${port} ${remote.user ? `${remote.user}@` : ""}${remote.host}\`.`,
      ),
    );
    if (strict) return checks;
  }
  // The gateway's own handshake over SSH: `remote.imsgPath rpc` must answer like imsg.
  const { probeRemoteImsg } = await import("@imgate/gateway");
  checks.push(await probeRemoteImsg(account, { env: process.env, timeoutMs: 10_000 }));
  return checks;
}
