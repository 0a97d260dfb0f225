import type { StateStore } from "./state-store.ts";

/** One delivered chunk, for the outbound budgets. */
export interface SendLogEntry {
  channel: string;
  accountId: string;
  /** Who it went to (the channel's normalised target). */
  contact: string;
  /** Whether it went to someone who never wrote to the account (counts against the new-contact budget). */
  newContact: boolean;
  at: number;
}

/** What an account sent within a window, for {@link SendLog.usage}. */
export interface SendUsage {
  /** Chunks delivered since `since`. */
  sends: number;
  /** The oldest of those (ms), when any. */
  oldestSendAt?: number;
  /** Distinct new contacts first written to since `since`. */
  newContacts: number;
  /** When each of those was first written to within the window (ms), oldest first. */
  newContactFirstAt: number[];
}

/** Persisted record of delivered chunks: what the per-hour and per-day outbound limits count. */
export interface SendLog {
  record(entry: SendLogEntry): void;
  /** Sends and new contacts of one account since `since` (ms). */
  usage(channel: string, accountId: string, since: number): SendUsage;
  /** Whether `contact` was already counted as a new contact since `since` (it costs no budget again). */
  countedSince(channel: string, accountId: string, contact: string, since: number): boolean;
  /** Time of the account's last delivered chunk (ms). */
  lastSendAt(channel: string, accountId: string): number | undefined;
  /** Deletes rows older than `before`; returns how many. */
  purge(before: number): number;
}

/** Creates the {@link SendLog} over the `send_log` table. */
export function createSendLog(options: { store: StateStore }): SendLog {
  const { store } = options;
  const sql = (text: string) => store.statement(text);
  return {
    record(entry) {
      store.read(() =>
        sql(
          "INSERT INTO send_log (channel, account_id, contact, new_contact, at) VALUES (?, ?, ?, ?, ?)",
        ).run(entry.channel, entry.accountId, entry.contact, entry.newContact ? 1 : 0, entry.at),
      );
    },
    usage(channel, accountId, since) {
      return store.read(() => {
        const totals = sql(
          "SELECT count(*) AS n, min(at) AS oldest FROM send_log WHERE channel = ? AND account_id = ? AND at >= ?",
        ).get(channel, accountId, since) as { n: number; oldest: number | null };
        const firsts = sql(
          `SELECT min(at) AS first FROM send_log WHERE channel = ? AND account_id = ? AND at >= ? AND new_contact = 1
           GROUP BY contact ORDER BY first`,
        ).all(channel, accountId, since) as { first: number }[];
        return {
          sends: totals.n,
          ...(totals.oldest !== null ? { oldestSendAt: totals.oldest } : {}),
          newContacts: firsts.length,
          newContactFirstAt: firsts.map((row) => row.first),
        };
      });
    },
    countedSince(channel, accountId, contact, since) {
      return store.read(
        () =>
          sql(
            `SELECT 1 FROM send_log WHERE channel = ? AND account_id = ? AND contact = ? AND new_contact = 1
             AND at >= ? LIMIT 1`,
          ).get(channel, accountId, contact, since) !== undefined,
      );
    },
    lastSendAt(channel, accountId) {
      const row = store.read(
        () =>
          sql("SELECT max(at) AS at FROM send_log WHERE channel = ? AND account_id = ?").get(
            channel,
            accountId,
          ) as {
            at: number | null;
          },
      );
      return row.at ?? undefined;
    },
    purge(before) {
      return store.read(() => Number(sql("DELETE FROM send_log WHERE at < ?").run(before).changes));
    },
  };
}
