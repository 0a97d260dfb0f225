import { existsSync } from "node:fs";
import type { Account } from "../../imessage-channel-api.ts";
import { expandPath } from "../../resolve-config-path.ts";
import { check, type DoctorCheck } from "./doctor-check.ts";
import { firstLine, runQuick } from "./run-quick.ts";

/** A local account: its database path, the imsg binary and `rpc` handshake, and Full Disk Access. */
export async function checkLocalAccount(prefix: string, label: string, account: Account) {
  const checks: DoctorCheck[] = [];
  const dbPath = account.dbPath;
  if (dbPath) {
    const db = expandPath(dbPath);
    if (!existsSync(db)) {
      checks.push(
        check(
          `${prefix}.database`,
          "fail",
          `${label}: database ${db} does not exist`,
          "Set channels.imessage.dbPath to the Messages database (~/Library/Messages/chat.db), or remove it to use the default.",
        ),
      );
      // The handshake would fail on the database; still say whether the binary is there.
      const { locateExecutable } = await import("@imgate/gateway");
      const found = locateExecutable(account.cliPath, process.env);
      if (found.kind !== "found") {
        checks.push(
          check(
            `${prefix}.imsg`,
            "fail",
            found.kind === "not-found"
              ? `${label}: imsg not found (${found.searched})`
              : `${label}: cliPath ${found.path} is not executable (${found.reason})`,
            "Install imsg or set channels.imessage.cliPath to the imsg binary.",
          ),
        );
      }
      return checks;
    }
    checks.push(check(`${prefix}.database`, "ok", `${label}: database ${db} exists`));
  }

  const { probeImsg } = await import("@imgate/gateway");
  // The gateway's own probe: the binary is found, executable, and answers the `imsg rpc` handshake.
  const probe = await probeImsg(account, { env: process.env });
  checks.push(...probe.checks);
  const found = probe.path;
  if (!found || probe.checks.some((c) => c.status === "fail")) return checks;
  // The channel's own Full Disk Access test, the same one its probe uses.
  const { looksLikeFullDiskAccessDenial } = await import("@imgate/imessage-channel");
  const read = await runQuick(
    found,
    ["chats", "--limit", "1", "--json", ...(dbPath ? ["--db", expandPath(dbPath)] : [])],
    10_000,
  );
  if (read.code === 0) {
    checks.push(check(`${prefix}.fullDiskAccess`, "ok", `${label}: imsg can read the Messages database`));
  } else if (looksLikeFullDiskAccessDenial(read.output)) {
    checks.push(
      check(
        `${prefix}.fullDiskAccess`,
        "fail",
        `${label}: imsg cannot read the Messages database (${firstLine(read.output)})`,
        "Give Full Disk Access to the app that runs imgate (System Settings › Privacy & Security › Full Disk Access), then restart it.",
      ),
    );
  } else {
    checks.push(
      check(
        `${prefix}.fullDiskAccess`,
        "fail",
        `${label}: \`imsg chats\` failed (${read.error ?? firstLine(read.output) ?? `exit ${read.code}`})`,
        "Run `imsg chats --limit 1` yourself to see the error, and fix what it names.",
      ),
    );
  }
  return checks;
}
