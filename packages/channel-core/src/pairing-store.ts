import type { SQLInputValue } from "node:sqlite";
import type { StateStore } from "./state-store.ts";

/** One pending pairing request as stored. */
export interface PairingRequestRecord {
  /** Channel name, e.g. `imessage` (requests are per channel, not per account). */
  channel: string;
  /** The sender's normalised id (what approval adds to the approved list). */
  sender: string;
  /** The 8-character code, upper case. */
  code: string;
  /** When the request was first made (ms); expiry counts from here. */
  createdAt: number;
  /** When the sender last wrote while pending (ms). */
  lastSeenAt: number;
  /** When the request stops being valid (ms). */
  expiresAt: number;
  /** Extra facts for the owner (e.g. `{ chatId: "42" }`); empty values are not stored. */
  meta?: Record<string, string>;
}

/** A sender approved for direct messages on a channel. */
export interface ApprovedSender {
  channel: string;
  sender: string;
  /** When approval happened (ms). */
  approvedAt: number;
}

/** The owner's last decision on a sender's request, kept until `until` (ms). */
export interface PairingOwnerDecision {
  channel: string;
  sender: string;
  /** The code that was approved or rejected. */
  code: string;
  decision: "approved" | "rejected";
  decidedAt: number;
  /** Approved: when the code would have expired. Rejected: when the cooldown ends. */
  until: number;
}

/** Kinds of timestamped pairing events kept for the rate limits. */
export type PairingEventKind = "reply" | "approve_failed";

/**
 * Row access for pairing requests, approved senders and rate-limit events. No rules live here; see
 * `createPairingRules`. Callers group calls in `store.transaction()` when they must be atomic.
 */
export interface PairingStore {
  getRequest(channel: string, sender: string): PairingRequestRecord | undefined;
  /** Requests of one channel (or all), oldest first. Does not filter expired ones. */
  listRequests(channel?: string): PairingRequestRecord[];
  /** Whether `code` is taken by a request on `channel`. */
  codeInUse(channel: string, code: string): boolean;
  insertRequest(record: PairingRequestRecord): void;
  touchRequest(channel: string, sender: string, at: number): void;
  /** Returns whether a row was deleted. */
  deleteRequest(channel: string, sender: string): boolean;
  /** Deletes requests with `expiresAt <= now`; returns how many. */
  purgeExpiredRequests(now: number): number;
  countRequests(channel: string): number;
  /** Whether `sender` is approved for direct messages on `channel` (exact, as stored). */
  isApprovedSender(channel: string, sender: string): boolean;
  /** Approved senders of `channel`, in approval order. */
  listApproved(channel: string): ApprovedSender[];
  /** Adds an approved sender; returns false when it was already there. */
  addApproved(channel: string, sender: string, at: number): boolean;
  /** Removes an approved sender; returns false when it was not there. */
  removeApproved(channel: string, sender: string): boolean;
  recordEvent(kind: PairingEventKind, channel: string, at: number): void;
  /** Events of `kind` after `since` (all channels); `oldestAt` helps say when a limit lifts. */
  countEvents(kind: PairingEventKind, since: number): { count: number; oldestAt: number | undefined };
  /** Deletes events at or before `before`. */
  purgeEvents(before: number): number;
  /** Records (or replaces) the owner's decision on `sender`. */
  putDecision(decision: PairingOwnerDecision): void;
  /** The decision on `sender`, if one is kept. Does not filter lapsed ones. */
  getDecision(channel: string, sender: string): PairingOwnerDecision | undefined;
  /** Every kept decision of `channel`. */
  listDecisions(channel: string): PairingOwnerDecision[];
  /** Deletes decisions with `until <= now`; returns how many. */
  purgeDecisions(now: number): number;
}

interface DecisionRow {
  channel: string;
  sender: string;
  code: string;
  decision: "approved" | "rejected";
  decided_at: number;
  until: number;
}

function toDecision(row: DecisionRow): PairingOwnerDecision {
  return {
    channel: row.channel,
    sender: row.sender,
    code: row.code,
    decision: row.decision,
    decidedAt: row.decided_at,
    until: row.until,
  };
}

interface RequestRow {
  channel: string;
  sender: string;
  code: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  meta: string | null;
}

function toRecord(row: RequestRow): PairingRequestRecord {
  const record: PairingRequestRecord = {
    channel: row.channel,
    sender: row.sender,
    code: row.code,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
  if (row.meta) record.meta = JSON.parse(row.meta) as Record<string, string>;
  return record;
}

/** Creates the {@link PairingStore} over an open state store. */
export function createPairingStore(store: StateStore): PairingStore {
  const sql = (text: string) => store.statement(text);
  /** The row of `table` for one channel and sender, converted; undefined when there is none. */
  const getBySender = <Row, Out>(
    table: "pairing_requests" | "pairing_decisions",
    convert: (row: Row) => Out,
    channel: string,
    sender: string,
  ): Out | undefined =>
    store.read(() => {
      const row = sql(`SELECT * FROM ${table} WHERE channel = ? AND sender = ?`).get(channel, sender);
      return row ? convert(row as unknown as Row) : undefined;
    });
  /** Every row a query returns, converted. */
  const listRows = <Row, Out>(convert: (row: Row) => Out, query: string, ...params: SQLInputValue[]): Out[] =>
    store.read(() => (sql(query).all(...params) as unknown as Row[]).map(convert));
  return {
    getRequest(channel, sender) {
      return getBySender("pairing_requests", toRecord, channel, sender);
    },
    listRequests(channel) {
      return channel === undefined
        ? listRows(toRecord, "SELECT * FROM pairing_requests ORDER BY created_at, channel, sender")
        : listRows(
            toRecord,
            "SELECT * FROM pairing_requests WHERE channel = ? ORDER BY created_at, sender",
            channel,
          );
    },
    codeInUse(channel, code) {
      return store.read(
        () =>
          sql("SELECT 1 FROM pairing_requests WHERE channel = ? AND code = ?").get(channel, code) !==
          undefined,
      );
    },
    insertRequest(record) {
      const meta = record.meta && Object.keys(record.meta).length > 0 ? JSON.stringify(record.meta) : null;
      store.read(() =>
        sql(
          "INSERT INTO pairing_requests (channel, sender, code, created_at, last_seen_at, expires_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ).run(
          record.channel,
          record.sender,
          record.code,
          record.createdAt,
          record.lastSeenAt,
          record.expiresAt,
          meta,
        ),
      );
    },
    touchRequest(channel, sender, at) {
      store.read(() =>
        sql("UPDATE pairing_requests SET last_seen_at = ? WHERE channel = ? AND sender = ?").run(
          at,
          channel,
          sender,
        ),
      );
    },
    deleteRequest(channel, sender) {
      return store.read(
        () =>
          sql("DELETE FROM pairing_requests WHERE channel = ? AND sender = ?").run(channel, sender).changes >
          0,
      );
    },
    purgeExpiredRequests(now) {
      return store.read(() =>
        Number(sql("DELETE FROM pairing_requests WHERE expires_at <= ?").run(now).changes),
      );
    },
    countRequests(channel) {
      return store.read(
        () =>
          (sql("SELECT count(*) AS n FROM pairing_requests WHERE channel = ?").get(channel) as { n: number })
            .n,
      );
    },
    isApprovedSender(channel, sender) {
      return store.read(
        () =>
          sql("SELECT 1 FROM approved_senders WHERE channel = ? AND sender = ?").get(channel, sender) !==
          undefined,
      );
    },
    listApproved(channel) {
      return store.read(() =>
        (
          sql(
            "SELECT channel, sender, approved_at FROM approved_senders WHERE channel = ? ORDER BY approved_at, sender",
          ).all(channel) as unknown as { channel: string; sender: string; approved_at: number }[]
        ).map((row) => ({ channel: row.channel, sender: row.sender, approvedAt: row.approved_at })),
      );
    },
    addApproved(channel, sender, at) {
      return store.read(
        () =>
          sql("INSERT OR IGNORE INTO approved_senders (channel, sender, approved_at) VALUES (?, ?, ?)").run(
            channel,
            sender,
            at,
          ).changes > 0,
      );
    },
    removeApproved(channel, sender) {
      return store.read(
        () =>
          sql("DELETE FROM approved_senders WHERE channel = ? AND sender = ?").run(channel, sender).changes >
          0,
      );
    },
    recordEvent(kind, channel, at) {
      store.read(() =>
        sql("INSERT INTO pairing_events (kind, channel, at) VALUES (?, ?, ?)").run(kind, channel, at),
      );
    },
    countEvents(kind, since) {
      return store.read(() => {
        const row = sql(
          "SELECT count(*) AS n, min(at) AS oldest FROM pairing_events WHERE kind = ? AND at > ?",
        ).get(kind, since) as { n: number; oldest: number | null };
        return { count: row.n, oldestAt: row.oldest ?? undefined };
      });
    },
    purgeEvents(before) {
      return store.read(() => Number(sql("DELETE FROM pairing_events WHERE at <= ?").run(before).changes));
    },
    putDecision(decision) {
      store.read(() =>
        sql(
          "INSERT OR REPLACE INTO pairing_decisions (channel, sender, code, decision, decided_at, until) VALUES (?, ?, ?, ?, ?, ?)",
        ).run(
          decision.channel,
          decision.sender,
          decision.code,
          decision.decision,
          decision.decidedAt,
          decision.until,
        ),
      );
    },
    getDecision(channel, sender) {
      return getBySender("pairing_decisions", toDecision, channel, sender);
    },
    listDecisions(channel) {
      return listRows(
        toDecision,
        "SELECT * FROM pairing_decisions WHERE channel = ? ORDER BY decided_at",
        channel,
      );
    },
    purgeDecisions(now) {
      return store.read(() => Number(sql("DELETE FROM pairing_decisions WHERE until <= ?").run(now).changes));
    },
  };
}
