import {
  ALL_ACCOUNTS,
  type AsyncPauses,
  type AsyncSendLog,
  type Clock,
  type PauseRecord,
} from "@imgate/channel-core";
import { num, type PostgresQuery } from "./postgres-query.ts";

interface PauseRow {
  channel: string;
  account_id: string;
  paused_at: string;
  reason: string | null;
}

const toRecord = (row: PauseRow): PauseRecord => ({
  channel: row.channel,
  accountId: row.account_id,
  pausedAt: num(row.paused_at),
  ...(row.reason !== null ? { reason: row.reason } : {}),
});

/** The outbound kill switch over `account_pauses` (issue 15); account `*` pauses every account. */
export function createPostgresPauses(query: PostgresQuery, clock: Clock): AsyncPauses {
  return {
    async pause(channel, accountId, reason) {
      // One statement: the new switch, or the one already on (its time and reason are kept).
      const { rows } = await query<PauseRow>(
        `WITH ins AS (
           INSERT INTO account_pauses (channel, account_id, paused_at, reason) VALUES ($1, $2, $3, $4)
           ON CONFLICT (channel, account_id) DO NOTHING RETURNING *)
         SELECT * FROM ins
         UNION ALL
         SELECT * FROM account_pauses WHERE channel = $1 AND account_id = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
        [channel, accountId ?? ALL_ACCOUNTS, clock.now(), reason ?? null],
      );
      return toRecord(rows[0] as PauseRow);
    },
    async resume(channel, accountId) {
      const { rows } = await query<PauseRow>(
        "DELETE FROM account_pauses WHERE channel = $1 AND ($2::text IS NULL OR account_id = $2) RETURNING *",
        [channel, accountId ?? null],
      );
      return rows.map(toRecord);
    },
    async stateOf(channel, accountId) {
      const { rows } = await query<PauseRow>(
        `SELECT * FROM account_pauses WHERE channel = $1 AND account_id IN ($2, '${ALL_ACCOUNTS}')
          ORDER BY account_id = '${ALL_ACCOUNTS}' DESC LIMIT 1`,
        [channel, accountId],
      );
      const row = rows[0];
      if (!row) return undefined;
      return { ...toRecord(row), scope: row.account_id === ALL_ACCOUNTS ? "all" : "account" };
    },
    async list(channel) {
      const { rows } = await query<PauseRow>(
        `SELECT * FROM account_pauses WHERE $1::text IS NULL OR channel = $1
          ORDER BY paused_at, channel COLLATE "C", account_id COLLATE "C"`,
        [channel ?? null],
      );
      return rows.map(toRecord);
    },
  };
}

/** Delivered chunks over `send_log`, for the per-hour / per-day outbound budgets. */
export function createPostgresSendLog(query: PostgresQuery): AsyncSendLog {
  return {
    async record(entry) {
      await query(
        "INSERT INTO send_log (channel, account_id, contact, new_contact, at) VALUES ($1, $2, $3, $4, $5)",
        [entry.channel, entry.accountId, entry.contact, entry.newContact, entry.at],
      );
    },
    async usage(channel, accountId, since) {
      // Totals and each new contact's first send in the window, in one statement.
      const { rows } = await query<{ n: string; oldest: string | null; firsts: string[] }>(
        `SELECT count(*) AS n, min(at) AS oldest,
           (SELECT coalesce(array_agg(f.first ORDER BY f.first), '{}') FROM (
              SELECT min(at) AS first FROM send_log WHERE channel = $1 AND account_id = $2 AND at >= $3
                 AND new_contact GROUP BY contact) f) AS firsts
         FROM send_log WHERE channel = $1 AND account_id = $2 AND at >= $3`,
        [channel, accountId, since],
      );
      const row = rows[0] as { n: string; oldest: string | null; firsts: string[] };
      const firsts = row.firsts.map(num);
      return {
        sends: Number(row.n),
        ...(row.oldest !== null ? { oldestSendAt: num(row.oldest) } : {}),
        newContacts: firsts.length,
        newContactFirstAt: firsts,
      };
    },
    async countedSince(channel, accountId, contact, since) {
      const { rows } = await query(
        `SELECT 1 FROM send_log WHERE channel = $1 AND account_id = $2 AND contact = $3 AND new_contact
           AND at >= $4 LIMIT 1`,
        [channel, accountId, contact, since],
      );
      return rows.length > 0;
    },
    async lastSendAt(channel, accountId) {
      const { rows } = await query<{ at: string | null }>(
        "SELECT max(at) AS at FROM send_log WHERE channel = $1 AND account_id = $2",
        [channel, accountId],
      );
      const at = rows[0]?.at;
      return at == null ? undefined : num(at);
    },
    async purge(before) {
      const { rowCount } = await query("DELETE FROM send_log WHERE at < $1", [before]);
      return rowCount ?? 0;
    },
  };
}
