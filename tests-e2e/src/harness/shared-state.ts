import { z } from "zod";
import type { GatewayProcess, LogLine, StartGatewayOptions } from "./gateway-process.ts";
import { mergeConfig } from "./merge-config.ts";

/** The variable the shared-state configs name (`gateway.state.postgres.urlEnv`'s default). */
export const DATABASE_URL_ENV = "IMGATE_DATABASE_URL";

/** The lease keeper's log line when this gateway starts serving an account. */
export const LEASE_ACQUIRED = "account lease acquired: serving this account";

/** Whether `line` is the lease keeper's "another gateway serves it; standing by" line. */
export const isStandingBy = (line: LogLine): boolean =>
  line.msg.startsWith("account served by another gateway; standing by");

/** Options of {@link sharedStateGateway}. */
export interface SharedStateOptions {
  /** The shared database (`startPostgres().url` or `createDatabase()`); passed in {@link DATABASE_URL_ENV}. */
  databaseUrl: string;
  /** `gateway.leases.ttlMs`; default 3000 (the minimum), so a takeover takes seconds, not 20. */
  ttlMs?: number;
}

/**
 * `startGateway` options that put a gateway on a shared PostgreSQL database (issue 16): `gateway.state.postgres`
 * naming {@link DATABASE_URL_ENV}, the URL in the environment (never in the file), a short lease, merged over
 * `options`. Two gateways with the same account ids (the default account when none is configured) compete
 * for one lease; give the second `dbPath: first.dbPath` to make it a standby on the same chat.db.
 */
export function sharedStateGateway(
  shared: SharedStateOptions,
  options: StartGatewayOptions = {},
): StartGatewayOptions {
  return {
    ...options,
    config: mergeConfig(
      {
        gateway: {
          state: { postgres: { urlEnv: DATABASE_URL_ENV } },
          leases: { ttlMs: shared.ttlMs ?? 3_000 },
        },
      },
      options.config ?? {},
    ),
    env: { ...options.env, [DATABASE_URL_ENV]: shared.databaseUrl },
  };
}

const leaseAccountSchema = z.object({
  accountId: z.string(),
  configured: z.boolean(),
  holder: z.object({ holderId: z.string(), host: z.string(), pid: z.number() }).optional(),
  fencingToken: z.number().optional(),
  expiresInMs: z.number().optional(),
  live: z.boolean(),
});

const statusLeasesSchema = z.object({
  leases: z.discriminatedUnion("ok", [
    z.object({
      ok: z.literal(true),
      database: z.string(),
      urlEnv: z.string(),
      ttlMs: z.number(),
      accounts: z.array(leaseAccountSchema),
    }),
    z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
  ]),
});

/** The `leases` part of `imgate status --json`. */
export type StatusLeases = z.output<typeof statusLeasesSchema>["leases"];

/**
 * `imgate status --json --config <gateway's file>`: who holds each account's lease, read from the shared
 * database by the CLI. Throws with the CLI's output when the JSON has no `leases` section.
 */
export async function statusLeases(gateway: GatewayProcess): Promise<StatusLeases> {
  const run = await gateway.cli(["status", "--json"]);
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    throw new Error(`imgate status --json printed no JSON (exit ${run.code}): ${run.stdout}${run.stderr}`);
  }
  const parsed = statusLeasesSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`imgate status --json has no valid leases section: ${run.stdout}${run.stderr}`);
  return parsed.data.leases;
}
