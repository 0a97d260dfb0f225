import type { ValidConfig } from "../../cli-config.ts";
import { check, type DoctorCheck } from "./doctor-check.ts";

/**
 * With `gateway.state.postgres` and its variable set: whether the shared database answers and who holds the
 * account leases (the unset variable itself is the start checks' to report). Nothing for SQLite.
 */
export async function checkSharedDatabase(
  config: ValidConfig,
  env: NodeJS.ProcessEnv,
): Promise<DoctorCheck[]> {
  const postgres = config.gateway.state?.postgres;
  if (!postgres || !env[postgres.urlEnv]?.trim()) return [];
  const { readLeaseStatus } = await import("@imgate/gateway");
  const status = await readLeaseStatus({ config, env });
  if (!status) return [];
  if (!status.ok) {
    return [
      check(
        "state.database",
        "fail",
        status.error.message,
        `Fix ${postgres.urlEnv} or the database; \`imgate status\` shows the account leases once it answers.`,
      ),
    ];
  }
  const configured = status.accounts.filter((account) => account.configured);
  const unserved = configured.filter((account) => !account.live).map((account) => account.accountId);
  return [
    check(
      "state.database",
      "ok",
      `PostgreSQL ${status.database} answers (${postgres.urlEnv}); ${configured.length - unserved.length} of ${configured.length} configured account(s) served by a gateway${unserved.length ? `, not served: ${unserved.join(", ")}` : ""}`,
    ),
  ];
}
