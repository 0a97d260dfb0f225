import { hostname } from "node:os";
import { type Clock, type Logger, silentLogger, systemClock } from "@imgate/channel-core";
import type { Pool } from "pg";
import { z } from "zod";
import { PostgresErrorCode, PostgresStateError } from "./postgres-errors.ts";

/** Who holds an account's lease, as the database records it. Times are ms since the epoch, by the database's clock. */
export interface AccountLease {
  accountId: string;
  /** The holding gateway's id (unique per gateway process). */
  holderId: string;
  /** Host name of the holder. */
  host: string;
  /** Process id of the holder on {@link host}. */
  pid: number;
  /**
   * Increases every time the lease changes hands (and on every new acquisition after a release or expiry).
   * Writes made on behalf of a lease can carry it so a deposed holder's late writes are recognisable.
   */
  fencingToken: number;
  /** When this holder took the lease. */
  acquiredAt: number;
  /** When it last renewed it. */
  renewedAt: number;
  /** When it expires unless renewed. */
  expiresAt: number;
}

/** A row of {@link AccountLeases.list}: a lease and whether it is still in force. */
export interface AccountLeaseStatus extends AccountLease {
  /** False once it expired or was released (the row stays, so fencing tokens keep increasing). */
  live: boolean;
}

/** Result of {@link AccountLeases.acquire}. */
export type AcquireResult =
  | { acquired: true; lease: AccountLease }
  | {
      acquired: false /** The live holder (undefined if it vanished in between). */;
      holder: AccountLease | undefined;
    };

/** Options of {@link createAccountLeases}. */
export interface AccountLeasesOptions {
  /** A pool on a database migrated with {@link migratePostgres}. */
  pool: Pool;
  /** This gateway's id: unique per process (e.g. `${host}:${pid}:${random}`), so a restart is a new holder. */
  holderId: string;
  /** How long a lease lasts without a renewal. Renew well within it (every ttl/3). */
  ttlMs: number;
  /** Recorded for `imgate status`; default `os.hostname()`. */
  host?: string;
  /** Recorded for `imgate status`; default `process.pid`. */
  pid?: number;
  /** Measures this process's own safety deadline ({@link AccountLeases.holds}); default the wall clock. */
  clock?: Clock;
  logger?: Logger;
}

/** Account leases: at most one gateway serves an account at a time. */
export interface AccountLeases {
  readonly holderId: string;
  readonly ttlMs: number;
  /**
   * Takes the lease when it is free, expired or released (a new fencing token, one above the last), or extends it
   * when this holder already has it (same token). Fails (`acquired: false`, with the live holder) when another
   * holder's lease is in force. One atomic statement: of several gateways racing, exactly one wins.
   */
  acquire(accountId: string): Promise<AcquireResult>;
  /**
   * Extends this holder's lease by ttl from the database's now. Throws `PG_LEASE_LOST` when the lease expired,
   * was released, or another holder has it: the caller must stop serving the account at once.
   */
  renew(accountId: string): Promise<AccountLease>;
  /** Gives the lease up (it expires now; the row stays). False when this holder did not hold it. */
  release(accountId: string): Promise<boolean>;
  /** The live holder of an account, or undefined when nobody holds it. */
  holderOf(accountId: string): Promise<AccountLease | undefined>;
  /** Every account ever leased, live or not, by account id. */
  list(): Promise<AccountLeaseStatus[]>;
  /**
   * Whether this process may still act on its lease without asking the database: true until ttl after it SENT the
   * last successful acquire or renew (by its own clock). The database expires the lease no earlier than that.
   */
  holds(accountId: string): boolean;
}

const optionsSchema = z.object({
  holderId: z.string().trim().min(1).max(200),
  ttlMs: z.number().int().min(1),
  host: z.string().min(1).max(255),
  pid: z.number().int().min(0),
});
const accountIdSchema = z.string().min(1).max(500);

const COLUMNS =
  "account_id, holder_id, host, pid, fencing_token::text AS fencing_token, acquired_at, renewed_at, expires_at, " +
  "expires_at > now() AS live";

interface LeaseRow {
  account_id: string;
  holder_id: string;
  host: string;
  pid: number;
  fencing_token: string;
  acquired_at: Date;
  renewed_at: Date;
  expires_at: Date;
  live: boolean;
}

function toLease(row: LeaseRow): AccountLease {
  return {
    accountId: row.account_id,
    holderId: row.holder_id,
    host: row.host,
    pid: row.pid,
    fencingToken: Number(row.fencing_token),
    acquiredAt: row.acquired_at.getTime(),
    renewedAt: row.renewed_at.getTime(),
    expiresAt: row.expires_at.getTime(),
  };
}

// Taken when free, expired or released, or extended by the same holder; the WHERE decides under the row lock
// that INSERT … ON CONFLICT takes, so racing acquirers see each other's committed result.
const ACQUIRE_SQL = `
  INSERT INTO account_leases AS l
    (account_id, holder_id, host, pid, fencing_token, acquired_at, renewed_at, expires_at)
  VALUES ($1, $2, $3, $4, 1, now(), now(), now() + $5::double precision * interval '1 millisecond')
  ON CONFLICT (account_id) DO UPDATE SET
    holder_id = excluded.holder_id,
    host = excluded.host,
    pid = excluded.pid,
    fencing_token = CASE WHEN l.holder_id = excluded.holder_id AND l.expires_at > now()
                         THEN l.fencing_token ELSE l.fencing_token + 1 END,
    acquired_at = CASE WHEN l.holder_id = excluded.holder_id AND l.expires_at > now()
                       THEN l.acquired_at ELSE now() END,
    renewed_at = now(),
    expires_at = excluded.expires_at
  WHERE l.expires_at <= now() OR l.holder_id = excluded.holder_id
  RETURNING ${COLUMNS}`;

const RENEW_SQL = `
  UPDATE account_leases
     SET renewed_at = now(), expires_at = now() + $4::double precision * interval '1 millisecond'
   WHERE account_id = $1 AND holder_id = $2 AND fencing_token = $3::bigint AND expires_at > now()
  RETURNING ${COLUMNS}`;

const RELEASE_SQL = `
  UPDATE account_leases SET expires_at = now()
   WHERE account_id = $1 AND holder_id = $2 AND expires_at > now()`;

/**
 * Account leases in PostgreSQL (table `account_leases`, migration 1). Expiry is judged by the database's clock
 * (`now()`), so gateways with skewed clocks still agree on who holds an account.
 */
export function createAccountLeases(options: AccountLeasesOptions): AccountLeases {
  const parsed = optionsSchema.safeParse({
    holderId: options.holderId,
    ttlMs: options.ttlMs,
    host: options.host ?? hostname(),
    pid: options.pid ?? process.pid,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`createAccountLeases: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const { holderId, ttlMs, host, pid } = parsed.data;
  const { pool } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  /** What this process took: the token it renews with and its own deadline. */
  const held = new Map<string, { fencingToken: number; localDeadline: number }>();

  const checkAccount = (accountId: string): string => {
    if (!accountIdSchema.safeParse(accountId).success) {
      throw new TypeError(
        `An account id must be a string of 1 to 500 characters; got ${JSON.stringify(accountId)}.`,
      );
    }
    return accountId;
  };

  async function liveHolder(accountId: string): Promise<AccountLease | undefined> {
    const { rows } = await pool.query<LeaseRow>(
      `SELECT ${COLUMNS} FROM account_leases WHERE account_id = $1 AND expires_at > now()`,
      [accountId],
    );
    return rows[0] ? toLease(rows[0]) : undefined;
  }

  function lost(accountId: string, current: AccountLease | undefined): PostgresStateError {
    const now =
      current === undefined
        ? "it expired or was released and nobody holds it now"
        : `it is now held by ${current.holderId} on ${current.host} (pid ${current.pid}, fencing token ${current.fencingToken})`;
    return new PostgresStateError(
      PostgresErrorCode.leaseLost,
      `The lease of account ${accountId} is no longer held by ${holderId}: ${now}. Stop serving this account; ` +
        "acquire it again to take it back.",
    );
  }

  return {
    holderId,
    ttlMs,
    async acquire(accountId) {
      checkAccount(accountId);
      const sentAt = clock.now();
      const { rows } = await pool.query<LeaseRow>(ACQUIRE_SQL, [accountId, holderId, host, pid, ttlMs]);
      const row = rows[0];
      if (!row) {
        held.delete(accountId);
        return { acquired: false, holder: await liveHolder(accountId) };
      }
      const lease = toLease(row);
      const previous = held.get(accountId);
      held.set(accountId, { fencingToken: lease.fencingToken, localDeadline: sentAt + ttlMs });
      if (previous?.fencingToken !== lease.fencingToken) {
        logger.info({ accountId, holderId, fencingToken: lease.fencingToken }, "account lease acquired");
      }
      return { acquired: true, lease };
    },
    async renew(accountId) {
      checkAccount(accountId);
      const mine = held.get(accountId);
      if (!mine) throw lost(accountId, await liveHolder(accountId));
      const sentAt = clock.now();
      const { rows } = await pool.query<LeaseRow>(RENEW_SQL, [
        accountId,
        holderId,
        String(mine.fencingToken),
        ttlMs,
      ]);
      const row = rows[0];
      if (!row) {
        held.delete(accountId);
        const error = lost(accountId, await liveHolder(accountId));
        logger.warn({ accountId, holderId }, error.message);
        throw error;
      }
      held.set(accountId, { fencingToken: mine.fencingToken, localDeadline: sentAt + ttlMs });
      return toLease(row);
    },
    async release(accountId) {
      checkAccount(accountId);
      held.delete(accountId);
      const { rowCount } = await pool.query(RELEASE_SQL, [accountId, holderId]);
      if (rowCount) logger.info({ accountId, holderId }, "account lease released");
      return (rowCount ?? 0) > 0;
    },
    holderOf(accountId) {
      return liveHolder(checkAccount(accountId));
    },
    async list() {
      const { rows } = await pool.query<LeaseRow>(
        `SELECT ${COLUMNS} FROM account_leases ORDER BY account_id`,
      );
      return rows.map((row) => ({ ...toLease(row), live: row.live }));
    },
    holds(accountId) {
      const mine = held.get(accountId);
      return mine !== undefined && clock.now() < mine.localDeadline;
    },
  };
}
