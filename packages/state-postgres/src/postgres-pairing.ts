import {
  type AsyncPairing,
  type Clock,
  createAsyncPairingService,
  type Logger,
  PAIRING_EVENT_WINDOW_MS,
  type PairingLimits,
  type PairingRowSource,
  type PairingSnapshotChanges,
  type PairingSnapshotData,
} from "@imgate/channel-core";
import type { Pool, PoolClient } from "pg";
import { z } from "zod";
import { redactDatabaseUrl } from "./database-url.ts";
import { createPostgresQuery, toJsonParam } from "./postgres-query.ts";
import { translatePostgresError } from "./translate-postgres-error.ts";

/** Options of {@link createPostgresPairing}: the pairing limits (as channel-core's SQLite service) and the pool. */
export interface PostgresPairingOptions extends PairingLimits {
  /** A pool on a database migrated with `migratePostgres` (schema version 4 or later). */
  pool: Pool;
  /** The pool's database URL, to name the target in errors; never logged itself. */
  url: string;
  /** Every stored time (ms) comes from here, as on SQLite. */
  clock: Clock;
  logger: Logger;
  /**
   * How long a pairing call waits for another gateway's pairing transaction before failing. Default 10000 ms.
   */
  lockTimeoutMs?: number;
}

/**
 * Key of the transaction-level advisory lock every pairing transaction of every gateway takes ("imgpair" in
 * ASCII). One key for all channels, because the reply cap and the wrong-code limit count across channels.
 */
export const PAIRING_LOCK_KEY = 0x696d6770616972n;

const bigintMs = z.number().int();
const loadedSchema = z.object({
  requests: z.array(
    z.object({
      channel: z.string(),
      sender: z.string(),
      code: z.string(),
      createdAt: bigintMs,
      lastSeenAt: bigintMs,
      expiresAt: bigintMs,
      meta: z.record(z.string(), z.string()).nullable(),
    }),
  ),
  decisions: z.array(
    z.object({
      channel: z.string(),
      sender: z.string(),
      code: z.string(),
      decision: z.enum(["approved", "rejected"]),
      decidedAt: bigintMs,
      until: bigintMs,
    }),
  ),
  approved: z.array(z.object({ channel: z.string(), sender: z.string(), approvedAt: bigintMs })),
  events: z.array(z.object({ kind: z.enum(["reply", "approve_failed"]), channel: z.string(), at: bigintMs })),
});

// One statement: the channel's requests and decisions (every channel's when $1 is null), the approvals of their
// senders (the only ones the rules ask about), and every channel's events of the last window. bigint ms fit in
// a JSON number (below 2^53).
const LOAD_SQL = `
  WITH req AS (SELECT * FROM pairing_requests WHERE $1::text IS NULL OR channel = $1),
       dec AS (SELECT * FROM pairing_decisions WHERE $1::text IS NULL OR channel = $1)
  SELECT
    (SELECT coalesce(jsonb_agg(jsonb_build_object('channel', channel, 'sender', sender, 'code', code,
              'createdAt', created_at, 'lastSeenAt', last_seen_at, 'expiresAt', expires_at, 'meta', meta)), '[]')
       FROM req) AS requests,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('channel', channel, 'sender', sender, 'code', code,
              'decision', decision, 'decidedAt', decided_at, 'until', until)), '[]')
       FROM dec) AS decisions,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('channel', a.channel, 'sender', a.sender,
              'approvedAt', a.approved_at)), '[]')
       FROM pairing_approved a
      WHERE (a.channel, a.sender) IN (SELECT channel, sender FROM req UNION SELECT channel, sender FROM dec))
      AS approved,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('kind', kind, 'channel', channel, 'at', at)), '[]')
       FROM pairing_events WHERE at > $2::bigint) AS events`;

// Deletions and purges in one statement (a row both deleted by key and purged is simply deleted). They run
// before the writes below, so a new request may take the code of one deleted in the same transaction.
const DELETE_SQL = `
  WITH
    req_keys AS (DELETE FROM pairing_requests r USING jsonb_to_recordset($1::jsonb) AS k(channel text, sender text)
                  WHERE r.channel = k.channel AND r.sender = k.sender),
    req_expired AS (DELETE FROM pairing_requests WHERE expires_at <= $4::bigint),
    dec_keys AS (DELETE FROM pairing_decisions d USING jsonb_to_recordset($2::jsonb) AS k(channel text, sender text)
                  WHERE d.channel = k.channel AND d.sender = k.sender),
    dec_lapsed AS (DELETE FROM pairing_decisions WHERE until <= $5::bigint),
    app_keys AS (DELETE FROM pairing_approved a USING jsonb_to_recordset($3::jsonb) AS k(channel text, sender text)
                  WHERE a.channel = k.channel AND a.sender = k.sender),
    events_old AS (DELETE FROM pairing_events WHERE at <= $6::bigint)
  SELECT 1`;

// Upserts and inserts in one statement; each table's rows have distinct keys.
const WRITE_SQL = `
  WITH
    req AS (
      INSERT INTO pairing_requests (channel, sender, code, created_at, last_seen_at, expires_at, meta)
      SELECT channel, sender, code, "createdAt", "lastSeenAt", "expiresAt", meta
        FROM jsonb_to_recordset($1::jsonb) AS r(channel text, sender text, code text, "createdAt" bigint,
                                                "lastSeenAt" bigint, "expiresAt" bigint, meta jsonb)
      ON CONFLICT (channel, sender) DO UPDATE SET
        code = excluded.code, created_at = excluded.created_at, last_seen_at = excluded.last_seen_at,
        expires_at = excluded.expires_at, meta = excluded.meta),
    dec AS (
      INSERT INTO pairing_decisions (channel, sender, code, decision, decided_at, until)
      SELECT channel, sender, code, decision, "decidedAt", until
        FROM jsonb_to_recordset($2::jsonb) AS d(channel text, sender text, code text, decision text,
                                                "decidedAt" bigint, until bigint)
      ON CONFLICT (channel, sender) DO UPDATE SET
        code = excluded.code, decision = excluded.decision, decided_at = excluded.decided_at, until = excluded.until),
    app AS (
      INSERT INTO pairing_approved (channel, sender, approved_at)
      SELECT channel, sender, "approvedAt"
        FROM jsonb_to_recordset($3::jsonb) AS a(channel text, sender text, "approvedAt" bigint)
      ON CONFLICT (channel, sender) DO NOTHING),
    ev AS (
      INSERT INTO pairing_events (kind, channel, at)
      SELECT kind, channel, at FROM jsonb_to_recordset($4::jsonb) AS e(kind text, channel text, at bigint))
  SELECT 1`;

const hasDeletes = (changes: PairingSnapshotChanges): boolean =>
  changes.requests.deleted.length + changes.decisions.deleted.length + changes.approved.deleted.length > 0 ||
  Object.keys(changes.purged).length > 0;

const hasWrites = (changes: PairingSnapshotChanges): boolean =>
  changes.requests.upserted.length +
    changes.decisions.upserted.length +
    changes.approved.inserted.length +
    changes.events.inserted.length >
  0;

/**
 * Pairing in PostgreSQL, shared by every gateway on the database (issue 16): a code issued by one gateway can
 * be approved on any other, and the limits (pending cap, reply cap, wrong-code rate limit, reject cooldown) hold
 * across all of them. The rules are channel-core's (`createPairingRules`, as on SQLite); each operation is one
 * transaction under {@link PAIRING_LOCK_KEY}: load the channel's pairing rows, run the rules on them in memory,
 * write back what changed. `isApprovedSender` (the hot path) is one statement. The counters are this process's.
 */
export function createPostgresPairing(options: PostgresPairingOptions): AsyncPairing {
  const { pool, url, clock, logger, lockTimeoutMs = 10_000, ...limits } = options;
  if (!Number.isInteger(lockTimeoutMs) || lockTimeoutMs < 1) {
    throw new TypeError(
      `createPostgresPairing: lockTimeoutMs must be a positive integer; got ${lockTimeoutMs}.`,
    );
  }
  const query = createPostgresQuery(pool, url);

  const failure = (error: unknown): unknown => {
    const translated = translatePostgresError(error, url);
    if (translated) return translated;
    if ((error as { code?: unknown } | null)?.code === "55P03") {
      return new Error(
        `A pairing call waited ${lockTimeoutMs} ms for another gateway's pairing transaction and gave up; ` +
          "try again (if it keeps happening, look for a gateway stuck mid-transaction in pg_stat_activity).",
        { cause: error },
      );
    }
    if (error instanceof Error) error.message = redactDatabaseUrl(error.message, url);
    return error;
  };

  const parseLoaded = (row: unknown, channel: string | undefined, since: number): PairingSnapshotData => {
    const parsed = loadedSchema.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `The pairing rows in PostgreSQL are not as imgate writes them (${issue?.path.join(".")}: ${issue?.message}); ` +
          "check that every gateway runs the same imgate version and that nothing else writes the pairing tables.",
      );
    }
    const loaded = parsed.data;
    return {
      ...(channel === undefined ? {} : { channel }),
      requests: loaded.requests.map(({ meta, ...request }) => (meta ? { ...request, meta } : request)),
      decisions: loaded.decisions,
      approved: loaded.approved,
      events: loaded.events,
      eventsSince: since,
    };
  };

  const writeBack = async (client: PoolClient, changes: PairingSnapshotChanges): Promise<void> => {
    const { purged } = changes;
    if (hasDeletes(changes)) {
      await client.query(DELETE_SQL, [
        toJsonParam(changes.requests.deleted),
        toJsonParam(changes.decisions.deleted),
        toJsonParam(changes.approved.deleted),
        purged.requestsExpiredBy ?? null,
        purged.decisionsUntilBy ?? null,
        purged.eventsAtOrBefore ?? null,
      ]);
    }
    if (hasWrites(changes)) {
      await client.query(WRITE_SQL, [
        toJsonParam(changes.requests.upserted),
        toJsonParam(changes.decisions.upserted),
        toJsonParam(changes.approved.inserted),
        toJsonParam(changes.events.inserted),
      ]);
    }
  };

  /**
   * This process's pairing transactions, one after another: they would queue on the database's lock anyway, and
   * queueing here keeps a flood of strangers from tying up every pooled connection (the pipeline needs them).
   */
  let queue: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = queue.then(work);
    queue = turn.catch(() => {});
    return turn;
  };

  const transaction = async <T>(
    channel: string | undefined,
    decide: (data: PairingSnapshotData, now: number) => { result: T; changes: PairingSnapshotChanges },
  ): Promise<T> => {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw failure(error);
    }
    let broken = false;
    try {
      // Lock first, load after: in READ COMMITTED the load's snapshot then includes everything the previous
      // holder of the lock committed.
      await client.query(
        `BEGIN; SET LOCAL lock_timeout = ${lockTimeoutMs}; SELECT pg_advisory_xact_lock(${PAIRING_LOCK_KEY})`,
      );
      const now = clock.now();
      const since = now - PAIRING_EVENT_WINDOW_MS;
      const { rows } = await client.query(LOAD_SQL, [channel ?? null, since]);
      const { result, changes } = decide(parseLoaded(rows[0], channel, since), now);
      if (changes.any) await writeBack(client, changes);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw failure(error);
    } finally {
      client.release(broken);
    }
  };

  const source: PairingRowSource = {
    async transact({ channel, readOnly }, decide) {
      if (readOnly) {
        // One statement sees one consistent state; nothing is written, so no lock.
        const now = clock.now();
        const since = now - PAIRING_EVENT_WINDOW_MS;
        const { rows } = await query(LOAD_SQL, [channel ?? null, since]);
        return decide(parseLoaded(rows[0], channel, since), now).result;
      }
      return inTurn(() => transaction(channel, decide));
    },
    async isApprovedSender(channel, sender) {
      const { rows } = await query<{ approved: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM pairing_approved WHERE channel = $1 AND sender = $2) AS approved",
        [channel, sender],
      );
      return rows[0]?.approved === true;
    },
    async listApproved(channel) {
      const { rows } = await query<{ channel: string; sender: string; approved_at: string }>(
        `SELECT channel, sender, approved_at FROM pairing_approved WHERE channel = $1 ORDER BY approved_at, sender COLLATE "C"`,
        [channel],
      );
      return rows.map((row) => ({
        channel: row.channel,
        sender: row.sender,
        approvedAt: Number(row.approved_at),
      }));
    },
    async addApproved(channel, sender, at) {
      const { rowCount } = await query(
        "INSERT INTO pairing_approved (channel, sender, approved_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [channel, sender, at],
      );
      return (rowCount ?? 0) > 0;
    },
    async removeApproved(channel, sender) {
      const { rowCount } = await query("DELETE FROM pairing_approved WHERE channel = $1 AND sender = $2", [
        channel,
        sender,
      ]);
      return (rowCount ?? 0) > 0;
    },
  };

  return createAsyncPairingService({ ...limits, source, clock, logger });
}
