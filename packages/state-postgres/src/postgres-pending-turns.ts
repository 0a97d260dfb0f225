import type { AsyncPendingTurns, Clock } from "@imgate/channel-core";
import { type PostgresQuery, toJsonParam } from "./postgres-query.ts";
import { type PendingTurnRow, toPendingTurn } from "./postgres-rows.ts";

/**
 * Pending agent turns over `pending_turns`, as channel-core's store: the newest `givenUpKept` given-up turns
 * per account are kept. Record / give-up logic lives in the SQL functions `commitOutcomes` uses too.
 */
export function createPostgresPendingTurns(
  query: PostgresQuery,
  clock: Clock,
  givenUpKept: number,
): AsyncPendingTurns {
  return {
    givenUpKept,
    async record(draft) {
      const { rows } = await query<{ stored: boolean }>(
        "SELECT imgate_insert_pending_turn($1::jsonb, 'pending', NULL, $2) AS stored",
        [toJsonParam(draft), clock.now()],
      );
      return rows[0]?.stored === true;
    },
    async recordAttempt(accountId, guid, update) {
      await query("SELECT imgate_record_attempt($1, $2, $3::jsonb, $4)", [
        accountId,
        guid,
        toJsonParam(update),
        clock.now(),
      ]);
    },
    async complete(accountId, guid) {
      const { rows } = await query<{ done: boolean }>("SELECT imgate_complete_pending_turn($1, $2) AS done", [
        accountId,
        guid,
      ]);
      return rows[0]?.done === true;
    },
    async giveUp(draft, outcome, options = {}) {
      const { rows } = await query<{ changed: boolean }>(
        "SELECT imgate_give_up($1::jsonb, $2, $3, $4, $5, $6) AS changed",
        [
          toJsonParam(draft),
          outcome.reason,
          outcome.error ?? null,
          options.onlyIfPending ?? false,
          clock.now(),
          givenUpKept,
        ],
      );
      return rows[0]?.changed === true;
    },
    async get(accountId, guid) {
      const { rows } = await query<PendingTurnRow>(
        "SELECT * FROM pending_turns WHERE account_id = $1 AND guid = $2",
        [accountId, guid],
      );
      return rows[0] ? toPendingTurn(rows[0]) : undefined;
    },
    async has(accountId, guid) {
      const { rows } = await query("SELECT 1 FROM pending_turns WHERE account_id = $1 AND guid = $2", [
        accountId,
        guid,
      ]);
      return rows.length > 0;
    },
    async listPending(accountId) {
      const { rows } = await query<PendingTurnRow>(
        `SELECT * FROM pending_turns WHERE account_id = $1 AND state = 'pending'
          ORDER BY arrived_at, guid COLLATE "C"`,
        [accountId],
      );
      return rows.map(toPendingTurn);
    },
    async listGivenUp(accountId, limit = givenUpKept) {
      const { rows } = await query<PendingTurnRow>(
        `SELECT * FROM pending_turns WHERE account_id = $1 AND state = 'given_up'
          ORDER BY given_up_at DESC, guid COLLATE "C" LIMIT $2`,
        [accountId, limit],
      );
      return rows.map(toPendingTurn);
    },
    async countPending() {
      const { rows } = await query<{ account_id: string; agent_id: string; count: string }>(
        `SELECT account_id, agent_id, count(*) AS count FROM pending_turns WHERE state = 'pending'
          GROUP BY account_id, agent_id`,
      );
      return rows.map((row) => ({
        accountId: row.account_id,
        agentId: row.agent_id,
        count: Number(row.count),
      }));
    },
  };
}
