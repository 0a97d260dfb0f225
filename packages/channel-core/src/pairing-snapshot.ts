import type {
  ApprovedSender,
  PairingEventKind,
  PairingOwnerDecision,
  PairingRequestRecord,
  PairingStore,
} from "./pairing-store.ts";

/** A timestamped pairing event (a reply sent, a wrong code tried), as the rate limits count them. */
export interface PairingEvent {
  kind: PairingEventKind;
  channel: string;
  at: number;
}

/**
 * The pairing rows a store loaded for one transaction. The rules only ask about what a loader must put here:
 * asking about anything else throws (a loader bug must not pass for "no such row").
 */
export interface PairingSnapshotData {
  /** The channel whose requests, decisions and approvals are held; undefined: every channel's. */
  channel?: string;
  /** Every request of the channel(s), expired or not. */
  requests: readonly PairingRequestRecord[];
  /** Every kept decision of the channel(s), lapsed or not. */
  decisions: readonly PairingOwnerDecision[];
  /**
   * Approved senders of the channel(s): all of them when {@link approvedComplete}, else at least those of every
   * sender with a request or decision here (the only senders the rules ask about).
   */
  approved: readonly ApprovedSender[];
  /** Whether {@link approved} is the whole approved list. Default false. */
  approvedComplete?: boolean;
  /** Every event (of every channel: the limits are global) after {@link eventsSince}. */
  events: readonly PairingEvent[];
  /** Counting events at or before this time throws. Default: every event is held. */
  eventsSince?: number;
}

/** A row key: requests, decisions and approvals are one per channel and sender. */
export interface PairingRowKey {
  channel: string;
  sender: string;
}

/**
 * What a transaction over a {@link PairingSnapshot} changed, to write back: deletions first, then the purges
 * (which also apply to rows outside the snapshot), then upserts and inserts.
 */
export interface PairingSnapshotChanges {
  requests: { deleted: PairingRowKey[]; upserted: PairingRequestRecord[] };
  decisions: { deleted: PairingRowKey[]; upserted: PairingOwnerDecision[] };
  approved: { deleted: PairingRowKey[]; inserted: ApprovedSender[] };
  events: { inserted: PairingEvent[] };
  /**
   * The thresholds of the purges that ran (the highest of each), for every channel: requests with
   * `expiresAt <= requestsExpiredBy`, events with `at <= eventsAtOrBefore`, decisions with `until <= decisionsUntilBy`.
   */
  purged: { requestsExpiredBy?: number; eventsAtOrBefore?: number; decisionsUntilBy?: number };
  /** Whether anything at all changed (nothing to write back when false). */
  any: boolean;
}

/**
 * A {@link PairingStore} over loaded rows, in memory, that records what changed. Purges remove held rows at once
 * (their counts are of held rows) and are recorded in `changes().purged` for the store to apply to every channel.
 */
export interface PairingSnapshot extends PairingStore {
  /**
   * The changes since the snapshot was made, as rows (the net effect: a row deleted and made again is an upsert),
   * each list ordered by channel and sender.
   */
  changes(): PairingSnapshotChanges;
}

const keyOf = (channel: string, sender: string): string => JSON.stringify([channel, sender]);

function copyRequest(record: PairingRequestRecord): PairingRequestRecord {
  const { meta, ...rest } = record;
  return meta && Object.keys(meta).length > 0 ? { ...rest, meta: { ...meta } } : rest;
}

const sameRequest = (a: PairingRequestRecord, b: PairingRequestRecord): boolean =>
  JSON.stringify(copyRequest(a)) === JSON.stringify(copyRequest(b));

const sameDecision = (a: PairingOwnerDecision, b: PairingOwnerDecision): boolean =>
  a.code === b.code && a.decision === b.decision && a.decidedAt === b.decidedAt && a.until === b.until;

/** Rows keyed by channel and sender, with the rows loaded kept apart to diff against. */
function keyedRows<Row extends PairingRowKey>(rows: readonly Row[], copy: (row: Row) => Row) {
  const initial = new Map(rows.map((row) => [keyOf(row.channel, row.sender), copy(row)]));
  const inKeyOrder = (a: [string, Row], b: [string, Row]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const current = new Map(initial);
  return {
    current,
    diff(same: (a: Row, b: Row) => boolean): { deleted: PairingRowKey[]; changed: Row[] } {
      const deleted = [...initial.entries()]
        .sort(inKeyOrder)
        .filter(([key]) => !current.has(key))
        .map(([, row]) => ({ channel: row.channel, sender: row.sender }));
      const changed = [...current.entries()]
        .sort(inKeyOrder)
        .filter(([key, row]) => {
          const before = initial.get(key);
          return before === undefined || !same(before, row);
        })
        .map(([, row]) => copy(row));
      return { deleted, changed };
    },
  };
}

/** Deletes the values matching `expired` from `map`; returns how many. */
function deleteWhere<V>(map: Map<string, V>, expired: (value: V) => boolean): number {
  let removed = 0;
  for (const [key, value] of map) {
    if (expired(value)) {
      map.delete(key);
      removed += 1;
    }
  }
  return removed;
}

/**
 * Creates an in-memory {@link PairingStore} over the rows of `data` that behaves as the SQLite rows do (same
 * orderings, same conflicts), for stores that load a transaction's rows, run the shared pairing rules on them
 * synchronously, and write back {@link PairingSnapshot.changes}.
 */
export function createPairingSnapshot(data: PairingSnapshotData): PairingSnapshot {
  const scope = data.channel;
  const eventsSince = data.eventsSince ?? Number.NEGATIVE_INFINITY;
  const requests = keyedRows(data.requests, copyRequest);
  const decisions = keyedRows(data.decisions, (row) => ({ ...row }));
  const approved = keyedRows(data.approved, (row) => ({ ...row }));
  /** Senders whose approval is known though not in `approved` (so: not approved). */
  const knownSenders = new Set(
    [...data.requests, ...data.decisions, ...data.approved].map((r) => keyOf(r.channel, r.sender)),
  );
  let events = data.events.map((event) => ({ ...event }));
  const recorded: PairingEvent[] = [];
  const purged: PairingSnapshotChanges["purged"] = {};

  const held = (channel: string | undefined): void => {
    if (scope !== undefined && channel !== scope) {
      throw new Error(
        `This pairing snapshot holds the rows of channel ${JSON.stringify(scope)} only, not of ${channel === undefined ? "every channel" : JSON.stringify(channel)}.`,
      );
    }
  };
  const approvalKnown = (channel: string, sender: string): string => {
    held(channel);
    const key = keyOf(channel, sender);
    if (!data.approvedComplete && !knownSenders.has(key)) {
      throw new Error(
        `This pairing snapshot did not load whether ${sender} is approved on ${channel}; load the approved senders of every sender with a request or decision.`,
      );
    }
    return key;
  };
  const codeTaken = (channel: string, code: string): boolean =>
    [...requests.current.values()].some((row) => row.channel === channel && row.code === code);
  const raise = (threshold: number | undefined, value: number): number =>
    threshold === undefined ? value : Math.max(threshold, value);
  const byCreated = (a: PairingRequestRecord, b: PairingRequestRecord): number =>
    a.createdAt - b.createdAt ||
    (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0) ||
    (a.sender < b.sender ? -1 : a.sender > b.sender ? 1 : 0);
  const bySender = (a: PairingRowKey, b: PairingRowKey): number =>
    a.sender < b.sender ? -1 : a.sender > b.sender ? 1 : 0;

  return {
    getRequest(channel, sender) {
      held(channel);
      const row = requests.current.get(keyOf(channel, sender));
      return row ? copyRequest(row) : undefined;
    },
    listRequests(channel) {
      held(channel);
      return [...requests.current.values()]
        .filter((row) => channel === undefined || row.channel === channel)
        .sort(byCreated)
        .map(copyRequest);
    },
    codeInUse(channel, code) {
      held(channel);
      return codeTaken(channel, code);
    },
    insertRequest(record) {
      held(record.channel);
      const key = keyOf(record.channel, record.sender);
      if (requests.current.has(key)) {
        throw new Error(`A pairing request of ${record.sender} on ${record.channel} exists already.`);
      }
      if (codeTaken(record.channel, record.code)) {
        throw new Error(`The pairing code of a new request is taken on ${record.channel}.`);
      }
      requests.current.set(key, copyRequest(record));
      knownSenders.add(key);
    },
    touchRequest(channel, sender, at) {
      held(channel);
      const key = keyOf(channel, sender);
      const row = requests.current.get(key);
      if (row) requests.current.set(key, { ...row, lastSeenAt: at });
    },
    deleteRequest(channel, sender) {
      held(channel);
      return requests.current.delete(keyOf(channel, sender));
    },
    purgeExpiredRequests(now) {
      purged.requestsExpiredBy = raise(purged.requestsExpiredBy, now);
      return deleteWhere(requests.current, (row) => row.expiresAt <= now);
    },
    countRequests(channel) {
      held(channel);
      return [...requests.current.values()].filter((row) => row.channel === channel).length;
    },
    isApprovedSender(channel, sender) {
      return approved.current.has(approvalKnown(channel, sender));
    },
    listApproved(channel) {
      held(channel);
      if (!data.approvedComplete) {
        throw new Error("This pairing snapshot holds some approved senders only; list them from the store.");
      }
      return [...approved.current.values()]
        .filter((row) => row.channel === channel)
        .sort((a, b) => a.approvedAt - b.approvedAt || bySender(a, b))
        .map((row) => ({ ...row }));
    },
    addApproved(channel, sender, at) {
      const key = approvalKnown(channel, sender);
      if (approved.current.has(key)) return false;
      approved.current.set(key, { channel, sender, approvedAt: at });
      return true;
    },
    removeApproved(channel, sender) {
      return approved.current.delete(approvalKnown(channel, sender));
    },
    recordEvent(kind, channel, at) {
      const event = { kind, channel, at };
      events.push(event);
      recorded.push(event);
    },
    countEvents(kind, since) {
      if (since < eventsSince) {
        throw new Error(
          `This pairing snapshot holds the events after ${eventsSince} only; it cannot count those after ${since}.`,
        );
      }
      const times = events
        .filter((event) => event.kind === kind && event.at > since)
        .map((event) => event.at);
      return { count: times.length, oldestAt: times.length > 0 ? Math.min(...times) : undefined };
    },
    purgeEvents(before) {
      purged.eventsAtOrBefore = raise(purged.eventsAtOrBefore, before);
      const kept = events.filter((event) => event.at > before);
      const removed = events.length - kept.length;
      events = kept;
      return removed;
    },
    putDecision(decision) {
      held(decision.channel);
      const key = keyOf(decision.channel, decision.sender);
      decisions.current.set(key, { ...decision });
      knownSenders.add(key);
    },
    getDecision(channel, sender) {
      held(channel);
      const row = decisions.current.get(keyOf(channel, sender));
      return row ? { ...row } : undefined;
    },
    listDecisions(channel) {
      held(channel);
      return [...decisions.current.values()]
        .filter((row) => row.channel === channel)
        .sort((a, b) => a.decidedAt - b.decidedAt || bySender(a, b))
        .map((row) => ({ ...row }));
    },
    purgeDecisions(now) {
      purged.decisionsUntilBy = raise(purged.decisionsUntilBy, now);
      return deleteWhere(decisions.current, (row) => row.until <= now);
    },
    changes() {
      const requestDiff = requests.diff(sameRequest);
      const decisionDiff = decisions.diff(sameDecision);
      const approvedDiff = approved.diff(() => true);
      const inserted = recorded.filter((event) => events.includes(event)).map((event) => ({ ...event }));
      const any =
        requestDiff.deleted.length +
          requestDiff.changed.length +
          decisionDiff.deleted.length +
          decisionDiff.changed.length +
          approvedDiff.deleted.length +
          approvedDiff.changed.length +
          inserted.length >
          0 || Object.keys(purged).length > 0;
      return {
        requests: { deleted: requestDiff.deleted, upserted: requestDiff.changed },
        decisions: { deleted: decisionDiff.deleted, upserted: decisionDiff.changed },
        approved: { deleted: approvedDiff.deleted, inserted: approvedDiff.changed },
        events: { inserted },
        purged: { ...purged },
        any,
      };
    },
  };
}
