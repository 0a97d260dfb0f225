/** The "leases" part of `imgate status`: who holds each account when gateways share PostgreSQL (issue 16). */

import type { LeaseStatus, LeaseStatusAccount } from "@imgate/gateway";
import { type ConfigFile, checkConfig } from "../cli-config.ts";
import { renderTable } from "../output.ts";

/** What `imgate status` shows about leases: the gateway's reading, or why the config cannot be used. */
export type StatusLeases =
  | LeaseStatus
  | { ok: false; urlEnv?: string; error: { code: string; message: string } };

function hasPostgresState(raw: unknown): boolean {
  const gateway = (raw as { gateway?: { state?: { postgres?: unknown } } } | undefined)?.gateway;
  return typeof gateway?.state?.postgres === "object" && gateway.state.postgres !== null;
}

/**
 * Reads the account leases when the config has `gateway.state.postgres` (undefined otherwise), on a pool of
 * its own; a missing variable, an unreachable database or an invalid config come back as one sentence.
 */
export async function readStatusLeases(file: ConfigFile): Promise<StatusLeases | undefined> {
  if (!hasPostgresState(file.raw)) return undefined;
  const check = await checkConfig(file.raw);
  if (!check.ok) {
    const first = check.problems[0];
    return {
      ok: false,
      error: {
        code: "CLI_CONFIG_INVALID",
        message: `${file.path} is invalid (${first?.path}: ${first?.message}); run \`imgate config validate\`.`,
      },
    };
  }
  const { readLeaseStatus } = await import("@imgate/gateway");
  return readLeaseStatus({ config: check.config, env: process.env });
}

function expiresIn(account: LeaseStatusAccount): string {
  if (account.expiresInMs === undefined) return "—";
  const seconds = (Math.abs(account.expiresInMs) / 1_000).toFixed(1);
  return account.expiresInMs > 0 ? `in ${seconds} s` : `${seconds} s ago`;
}

/** The plain-text lines of the leases section. */
export function leaseLines(leases: StatusLeases): string[] {
  if (!leases.ok) return [`Leases: cannot read them — ${leases.error.message}`];
  const head = `Leases in PostgreSQL ${leases.database} (${leases.urlEnv}; ttl ${leases.ttlMs} ms, renewed every ttl/3):`;
  if (leases.accounts.length === 0) return [head, "  no account is configured or leased yet"];
  const table = renderTable<LeaseStatusAccount>(
    [
      {
        header: "ACCOUNT",
        cell: (a) => `imessage/${a.accountId}${a.configured ? "" : " (not in this config)"}`,
      },
      { header: "HOLDER", cell: (a) => a.holder?.holderId ?? "—" },
      { header: "HOST", cell: (a) => a.holder?.host ?? "—" },
      { header: "PID", cell: (a) => (a.holder ? String(a.holder.pid) : "—") },
      { header: "TOKEN", cell: (a) => (a.fencingToken !== undefined ? String(a.fencingToken) : "—") },
      { header: "EXPIRES", cell: expiresIn },
      { header: "LIVE", cell: (a) => (a.live ? "yes" : "no — no gateway serves it") },
    ],
    leases.accounts,
  );
  return [head, ...table.map((line) => `  ${line}`)];
}
