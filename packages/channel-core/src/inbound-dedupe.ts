import { createDropCounters } from "./drop-counters.ts";
import type { StateStore } from "./state-store.ts";

/** Options of {@link createInboundDedupe}. */
export interface InboundDedupeOptions {
  store: StateStore;
  /** How long a message id is remembered. Default 7 days. */
  ttlMs?: number;
}

/** Persisted inbound dedupe by `(accountId, guid)`: a replayed or re-delivered message is handled once. */
export interface InboundDedupe {
  /**
   * Returns true when `(accountId, guid)` was already seen within the TTL; otherwise records it and
   * returns false. One statement, so it is atomic across processes; call it inside the transaction that
   * persists the message's outcome, so a crash before that commit forgets the mark too.
   */
  seen(accountId: string, guid: string): boolean;
  /**
   * Whether `(accountId, guid)` is marked within the TTL, without marking it: the inbound pipeline's first
   * check, before the policy and the agent (the mark itself is set with the outcome, by `seen`).
   */
  has(accountId: string, guid: string): boolean;
  /**
   * Whether the message is handled or under way in the store, in ONE read: its mark within the TTL (as
   * {@link InboundDedupe.has}), its first reply already queued (the outbox entry keyed `replyKey`, queued in the
   * same commit as the mark — or by an earlier run whose mark expired), or its agent turn stored (pending or
   * given up). The inbound pipeline's first check.
   */
  handled(accountId: string, guid: string, replyKey: string): boolean;
  /** Deletes marks older than the TTL; returns how many. */
  purgeExpired(): number;
  /** `{ duplicate: n }`: messages dropped as already seen since this instance was created. */
  counters(): { duplicate: number };
}

const DEFAULT_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Creates the {@link InboundDedupe}. */
export function createInboundDedupe(options: InboundDedupeOptions): InboundDedupe {
  const { store } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const drops = createDropCounters<"duplicate">();
  return {
    seen(accountId, guid) {
      const now = store.clock.now();
      // Insert, or revive a mark that has expired; a live mark is left alone (0 changes = duplicate).
      const changes = store.read(
        () =>
          store
            .statement(
              `INSERT INTO inbound_seen (account_id, guid, seen_at) VALUES (?, ?, ?)
               ON CONFLICT (account_id, guid) DO UPDATE SET seen_at = excluded.seen_at WHERE seen_at <= ?`,
            )
            .run(accountId, guid, now, now - ttlMs).changes,
      );
      const duplicate = Number(changes) === 0;
      if (duplicate) drops.increment("duplicate");
      return duplicate;
    },
    has(accountId, guid) {
      const cutoff = store.clock.now() - ttlMs;
      const row = store.read(() =>
        store
          .statement("SELECT 1 AS hit FROM inbound_seen WHERE account_id = ? AND guid = ? AND seen_at > ?")
          .get(accountId, guid, cutoff),
      );
      const duplicate = row !== undefined;
      if (duplicate) drops.increment("duplicate");
      return duplicate;
    },
    handled(accountId, guid, replyKey) {
      const cutoff = store.clock.now() - ttlMs;
      const row = store.read(() =>
        store
          .statement(
            `SELECT EXISTS (SELECT 1 FROM inbound_seen WHERE account_id = ?1 AND guid = ?2 AND seen_at > ?3)
               OR EXISTS (SELECT 1 FROM outbox WHERE idempotency_key = ?4)
               OR EXISTS (SELECT 1 FROM pending_turns WHERE account_id = ?1 AND guid = ?2) AS hit`,
          )
          .get(accountId, guid, cutoff, replyKey),
      ) as { hit: number };
      const duplicate = row.hit === 1;
      if (duplicate) drops.increment("duplicate");
      return duplicate;
    },
    purgeExpired() {
      const cutoff = store.clock.now() - ttlMs;
      return store.read(() =>
        Number(store.statement("DELETE FROM inbound_seen WHERE seen_at <= ?").run(cutoff).changes),
      );
    },
    counters: () => ({ duplicate: drops.snapshot().duplicate ?? 0 }),
  };
}
