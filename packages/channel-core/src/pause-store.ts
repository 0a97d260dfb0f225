import type { StateStore } from "./state-store.ts";

/** The account id that pauses every account of a channel. */
export const ALL_ACCOUNTS = "*";

/** One pause switch as stored. */
export interface PauseRecord {
  channel: string;
  /** The paused account, or {@link ALL_ACCOUNTS}. */
  accountId: string;
  /** When it was paused (ms). */
  pausedAt: number;
  /** Free text the operator gave, if any. */
  reason?: string;
}

/** Why an account is paused: its own switch, or the channel-wide one. */
export interface PauseState extends PauseRecord {
  scope: "account" | "all";
}

/**
 * The kill switch of outbound sending (issue 15): while an account is paused nothing is sent from it;
 * the outbox keeps everything. Lives in the state database so the CLI can flip it without a gateway and
 * a restart keeps it.
 */
export interface PauseStore {
  /** Pauses `accountId` (every account when undefined); returns the record (the existing one if already paused). */
  pause(channel: string, accountId: string | undefined, reason?: string): PauseRecord;
  /**
   * Resumes `accountId`, or — when undefined — every account (the channel-wide switch and each account's
   * own). Returns the records removed.
   */
  resume(channel: string, accountId: string | undefined): PauseRecord[];
  /** Whether `accountId` is paused, by its own switch or the channel-wide one. */
  stateOf(channel: string, accountId: string): PauseState | undefined;
  /** Every switch that is on, oldest first. */
  list(channel?: string): PauseRecord[];
}

interface PauseRow {
  channel: string;
  account_id: string;
  paused_at: number;
  reason: string | null;
}

function toRecord(row: PauseRow): PauseRecord {
  return {
    channel: row.channel,
    accountId: row.account_id,
    pausedAt: row.paused_at,
    ...(row.reason !== null ? { reason: row.reason } : {}),
  };
}

/** Creates the {@link PauseStore} over the `account_pauses` table. */
export function createPauseStore(options: { store: StateStore }): PauseStore {
  const { store } = options;
  const sql = (text: string) => store.statement(text);
  return {
    pause(channel, accountId, reason) {
      const id = accountId ?? ALL_ACCOUNTS;
      return store.transaction(() => {
        sql(
          `INSERT INTO account_pauses (channel, account_id, paused_at, reason) VALUES (?, ?, ?, ?)
           ON CONFLICT (channel, account_id) DO NOTHING`,
        ).run(channel, id, store.clock.now(), reason ?? null);
        const row = sql("SELECT * FROM account_pauses WHERE channel = ? AND account_id = ?").get(channel, id);
        return toRecord(row as unknown as PauseRow);
      });
    },
    resume(channel, accountId) {
      return store.transaction(() => {
        const rows = (accountId === undefined
          ? sql("DELETE FROM account_pauses WHERE channel = ? RETURNING *").all(channel)
          : sql("DELETE FROM account_pauses WHERE channel = ? AND account_id = ? RETURNING *").all(
              channel,
              accountId,
            )) as unknown as PauseRow[];
        return rows.map(toRecord);
      });
    },
    stateOf(channel, accountId) {
      const row = store.read(
        () =>
          sql(
            `SELECT * FROM account_pauses WHERE channel = ? AND account_id IN (?, '${ALL_ACCOUNTS}')
             ORDER BY account_id = '${ALL_ACCOUNTS}' DESC LIMIT 1`,
          ).get(channel, accountId) as unknown as PauseRow | undefined,
      );
      if (!row) return undefined;
      return { ...toRecord(row), scope: row.account_id === ALL_ACCOUNTS ? "all" : "account" };
    },
    list(channel) {
      return store.read(() =>
        (
          sql("SELECT * FROM account_pauses WHERE ?1 IS NULL OR channel = ?1 ORDER BY paused_at").all(
            channel ?? null,
          ) as unknown as PauseRow[]
        ).map(toRecord),
      );
    },
  };
}
