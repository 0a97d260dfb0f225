/**
 * `gateway.state` and `gateway.leases` (issue 16): where the gateway keeps its state, and how long the account
 * leases of several gateways on one PostgreSQL database last. Absent `gateway.state` = SQLite (the default).
 */
// The subpath, not the package: loading a config must not load the PostgreSQL driver (CLI cold start).
import { DEFAULT_DATABASE_URL_ENV } from "@imgate/state-postgres/database-url";
import { z } from "zod";
import {
  DEFAULT_LEASE_TTL_MS,
  leaseRenewIntervalMs,
  MAX_LEASE_TTL_MS,
  MAX_TAKEOVER_MS,
  MIN_LEASE_TTL_MS,
  worstTakeoverMs,
} from "../leases/lease-timing.ts";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The NAME of the environment variable holding the database URL. The URL itself never goes into the config
 * file (it carries a password); a value that looks like one is refused without repeating it.
 */
const urlEnvSchema = z
  .string()
  .regex(ENV_NAME, {
    error: (issue) => {
      const value = String(issue.input);
      return value.includes("://") || value.includes("@")
        ? `must be the NAME of an environment variable, not the database URL: put the URL in the gateway's environment (e.g. ${DEFAULT_DATABASE_URL_ENV}=postgresql://…) and write urlEnv: "${DEFAULT_DATABASE_URL_ENV}"; remove the URL from this file (and treat its password as exposed)`
        : `must be the name of an environment variable (letters, digits and _, not starting with a digit), e.g. "${DEFAULT_DATABASE_URL_ENV}"`;
    },
  })
  .default(DEFAULT_DATABASE_URL_ENV)
  .describe(
    `Name of the environment variable that holds the PostgreSQL URL (default ${DEFAULT_DATABASE_URL_ENV}); the URL is never written in the config file nor logged.`,
  );

/** `gateway.state`: shared PostgreSQL state instead of the gateway's own SQLite file. */
export const gatewayStateSchema = z.strictObject({
  /**
   * Several gateways (several Macs, or a standby) share pairing, sessions, history, the outbox and cursors
   * in one PostgreSQL database; account leases make one gateway serve each account.
   */
  postgres: z
    .strictObject({ urlEnv: urlEnvSchema })
    .optional()
    .describe(
      'Share state with other gateways in PostgreSQL: { urlEnv: "IMGATE_DATABASE_URL" }. Absent: this gateway\'s own SQLite file (<stateDir>/state.db).',
    ),
});

const takeoverSeconds = MAX_TAKEOVER_MS / 1_000;

/** `gateway.leases`: account leases between gateways sharing one PostgreSQL database. */
export const gatewayLeasesSchema = z.strictObject({
  /**
   * How long an account's lease lasts without renewal; renewed every ttl/3. A standby takes over within
   * ttl + ttl/3 after the holder died, which must stay within 30 s. Used only with `gateway.state.postgres`.
   */
  ttlMs: z
    .int()
    .min(MIN_LEASE_TTL_MS, {
      error: `must be at least ${MIN_LEASE_TTL_MS} ms (renewed every ${leaseRenewIntervalMs(MIN_LEASE_TTL_MS)} ms): a shorter lease is lost on an ordinary database hiccup and the gateway stops serving; raise it (default ${DEFAULT_LEASE_TTL_MS})`,
    })
    .max(MAX_LEASE_TTL_MS, {
      error: (issue) =>
        `must be at most ${MAX_LEASE_TTL_MS} ms: a standby takes over within ttl + ttl/3 (here ${worstTakeoverMs(Number(issue.input))} ms), which must stay within ${takeoverSeconds} s; lower it (default ${DEFAULT_LEASE_TTL_MS})`,
    })
    .default(DEFAULT_LEASE_TTL_MS)
    .describe(
      `How long an account lease lasts without renewal, in ms (${MIN_LEASE_TTL_MS}–${MAX_LEASE_TTL_MS}, default ${DEFAULT_LEASE_TTL_MS}); renewed every ttl/3; a standby takes over within ttl + ttl/3 of the holder's death. Used only with gateway.state.postgres.`,
    ),
});

/** The validated `gateway.state`. */
export type GatewayStateConfig = z.output<typeof gatewayStateSchema>;
/** The validated `gateway.leases`. */
export type GatewayLeasesConfig = z.output<typeof gatewayLeasesSchema>;
