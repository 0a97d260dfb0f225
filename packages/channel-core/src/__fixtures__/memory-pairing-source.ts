import type { PairingRowSource } from "../async-pairing-service.ts";
import type { Clock } from "../clock.ts";
import { PAIRING_EVENT_WINDOW_MS } from "../pairing-rules.ts";
import type { PairingEvent, PairingRowKey, PairingSnapshotChanges } from "../pairing-snapshot.ts";
import type { ApprovedSender, PairingOwnerDecision, PairingRequestRecord } from "../pairing-store.ts";

/** The tables a {@link createMemoryPairingSource} keeps, as a database would. */
export interface MemoryPairingTables {
  requests: PairingRequestRecord[];
  decisions: PairingOwnerDecision[];
  approved: ApprovedSender[];
  events: PairingEvent[];
}

const same = (a: PairingRowKey, b: PairingRowKey) => a.channel === b.channel && a.sender === b.sender;
const inScope = (channel: string | undefined) => (row: { channel: string }) =>
  channel === undefined || row.channel === channel;

/**
 * A {@link PairingRowSource} over plain arrays, loading and writing back exactly as the PostgreSQL one does
 * (approvals of the senders with a request or decision only, events of the last window only; deletions and
 * purges, then upserts): the snapshot's loading contract and its changes, tested without a server.
 */
export function createMemoryPairingSource(clock: Clock): PairingRowSource & { tables: MemoryPairingTables } {
  const tables: MemoryPairingTables = { requests: [], decisions: [], approved: [], events: [] };
  const write = (changes: PairingSnapshotChanges): void => {
    const { purged } = changes;
    const deleted = (keys: PairingRowKey[]) => (row: PairingRowKey) => !keys.some((key) => same(key, row));
    tables.requests = tables.requests
      .filter(deleted(changes.requests.deleted))
      .filter((row) => purged.requestsExpiredBy === undefined || row.expiresAt > purged.requestsExpiredBy);
    tables.decisions = tables.decisions
      .filter(deleted(changes.decisions.deleted))
      .filter((row) => purged.decisionsUntilBy === undefined || row.until > purged.decisionsUntilBy);
    tables.approved = tables.approved.filter(deleted(changes.approved.deleted));
    tables.events = tables.events.filter(
      (row) => purged.eventsAtOrBefore === undefined || row.at > purged.eventsAtOrBefore,
    );
    const upsert = <Row extends PairingRowKey>(rows: Row[], next: Row[]): Row[] => [
      ...rows.filter(deleted(next)),
      ...next.map((row) => structuredClone(row)),
    ];
    tables.requests = upsert(tables.requests, changes.requests.upserted);
    tables.decisions = upsert(tables.decisions, changes.decisions.upserted);
    tables.approved = [
      ...tables.approved,
      ...changes.approved.inserted.filter((row) => !tables.approved.some((kept) => same(kept, row))),
    ];
    tables.events.push(...changes.events.inserted);
  };
  return {
    tables,
    async transact({ channel }, decide) {
      const now = clock.now();
      const requests = tables.requests.filter(inScope(channel));
      const decisions = tables.decisions.filter(inScope(channel));
      const asked = [...requests, ...decisions];
      const eventsSince = now - PAIRING_EVENT_WINDOW_MS;
      const { result, changes } = decide(
        structuredClone({
          channel,
          requests,
          decisions,
          approved: tables.approved.filter((row) => asked.some((key) => same(key, row))),
          events: tables.events.filter((event) => event.at > eventsSince),
          eventsSince,
        }),
        now,
      );
      if (changes.any) write(changes);
      return result;
    },
    isApprovedSender: async (channel, sender) =>
      tables.approved.some((row) => same(row, { channel, sender })),
    listApproved: async (channel) =>
      tables.approved
        .filter((row) => row.channel === channel)
        .sort((a, b) => a.approvedAt - b.approvedAt || (a.sender < b.sender ? -1 : 1)),
    async addApproved(channel, sender, at) {
      if (tables.approved.some((row) => same(row, { channel, sender }))) return false;
      tables.approved.push({ channel, sender, approvedAt: at });
      return true;
    },
    async removeApproved(channel, sender) {
      const before = tables.approved.length;
      tables.approved = tables.approved.filter((row) => !same(row, { channel, sender }));
      return tables.approved.length < before;
    },
  };
}
