import { silentLogger, systemClock } from "@imgate/channel-core";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import { planWatchers } from "../pipeline/plan-accounts.ts";

/** One account in {@link LeaseStatus}: who holds its lease, as the shared database records it. */
export interface LeaseStatusAccount {
  accountId: string;
  /** Whether this config serves the account (a lease row may also come from another gateway's config). */
  configured: boolean;
  /** The last holder (live or not); absent when no gateway ever took the account's lease. */
  holder?: { holderId: string; host: string; pid: number };
  fencingToken?: number;
  /** ISO time the lease expires (or expired) at, by the database's clock. */
  expiresAt?: string;
  /** Milliseconds until it expires, by the database's clock; negative once expired or released. */
  expiresInMs?: number;
  /** Whether a gateway serves the account right now. */
  live: boolean;
}

/** What {@link readLeaseStatus} found. */
export type LeaseStatus =
  | { ok: true; database: string; urlEnv: string; ttlMs: number; accounts: LeaseStatusAccount[] }
  | { ok: false; urlEnv: string; error: { code: string; message: string } };

/** Options of {@link readLeaseStatus}. */
export interface ReadLeaseStatusOptions {
  /** A validated config with `gateway.state.postgres`. */
  config: GatewayConfig;
  env?: NodeJS.ProcessEnv;
  /** How long connecting may take before the database counts as unreachable. Default 3000 ms. */
  connectTimeoutMs?: number;
}

const UNDEFINED_TABLE = "42P01";

/**
 * Reads every account lease from the shared database (`imgate status`): read-only, on a pool of its own from
 * the variable `gateway.state.postgres.urlEnv` names. Returns `undefined` when the config has no
 * `gateway.state.postgres`; never throws for a missing variable or an unreachable database (`ok: false`, one
 * sentence naming the fix, never the URL).
 */
export async function readLeaseStatus(options: ReadLeaseStatusOptions): Promise<LeaseStatus | undefined> {
  const postgres = options.config.gateway.state?.postgres;
  if (!postgres) return undefined;
  const { urlEnv } = postgres;
  // Imported here: a gateway or CLI on SQLite never loads the PostgreSQL driver.
  const [{ createAccountLeases, redactDatabaseUrl, translatePostgresError }, { openPostgresState }] =
    await Promise.all([import("@imgate/state-postgres"), import("../state/open-postgres-state.ts")]);
  let state: Awaited<ReturnType<typeof openPostgresState>>;
  try {
    // A reader: the schema is left as it is (a missing table reads as no leases).
    state = await openPostgresState({
      config: options.config,
      env: options.env ?? process.env,
      logger: silentLogger,
      clock: systemClock,
      applicationName: "imgate status",
      migrate: false,
      poolMax: 1,
      connectTimeoutMs: options.connectTimeoutMs ?? 3_000,
    });
  } catch (error) {
    return { ok: false, urlEnv, error: codeAndMessage(error) };
  }
  const { pool, url, database } = state;
  try {
    // A reader: it never acquires, so its holder id is never recorded.
    const leases = createAccountLeases({ pool, holderId: `imgate-status:${process.pid}`, ttlMs: 1 });
    const [rows, now] = await Promise.all([
      leases.list().catch((error: unknown) => {
        // A database no gateway has migrated yet has no lease table: nobody holds anything.
        if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return [];
        throw error;
      }),
      pool.query<{ now: number }>("SELECT (extract(epoch FROM now()) * 1000)::float8 AS now"),
    ]);
    const dbNow = now.rows[0]?.now ?? Date.now();
    const configured = new Set(planWatchers(options.config).flatMap((plan) => plan.accountIds));
    const byId = new Map<string, LeaseStatusAccount>();
    for (const row of rows) {
      byId.set(row.accountId, {
        accountId: row.accountId,
        configured: configured.has(row.accountId),
        holder: { holderId: row.holderId, host: row.host, pid: row.pid },
        fencingToken: row.fencingToken,
        expiresAt: new Date(row.expiresAt).toISOString(),
        expiresInMs: Math.round(row.expiresAt - dbNow),
        live: row.live,
      });
    }
    for (const accountId of configured) {
      if (!byId.has(accountId)) byId.set(accountId, { accountId, configured: true, live: false });
    }
    const accounts = [...byId.values()].sort((a, b) => a.accountId.localeCompare(b.accountId));
    return { ok: true, database, urlEnv, ttlMs: options.config.gateway.leases.ttlMs, accounts };
  } catch (error) {
    const translated = translatePostgresError(error, url);
    return {
      ok: false,
      urlEnv,
      error: translated
        ? codeAndMessage(translated)
        : {
            code: "PG_QUERY_FAILED",
            message: `Reading the account leases from ${database} failed (${redactDatabaseUrl((error as Error).message, url)}); run \`imgate doctor\`.`,
          },
    };
  } finally {
    await state.close();
  }
}

function codeAndMessage(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown }).code;
  return { code: typeof code === "string" ? code : "PG_FAILED", message: (error as Error).message };
}
