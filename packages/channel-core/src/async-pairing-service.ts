import type { Clock } from "./clock.ts";
import type { Logger } from "./logger.ts";
import { createPairingRules } from "./pairing-rules.ts";
import {
  createPairingSnapshot,
  type PairingSnapshotChanges,
  type PairingSnapshotData,
} from "./pairing-snapshot.ts";
import type { ApprovedSender } from "./pairing-store.ts";
import type { PairingLimits, PairingStep } from "./pairing-types.ts";
import type { AsyncPairing } from "./state/state-backend.ts";

/** What one pairing transaction asks of the store. */
export interface PairingTransactionRequest {
  /** Load the rows of this channel (undefined: of every channel), as {@link PairingSnapshotData} describes. */
  channel: string | undefined;
  /** Nothing will be written: no lock needed, one consistent read is enough. */
  readOnly: boolean;
}

/**
 * A shared store's side of pairing: whole transactions over loaded rows (the rules run in between, in memory),
 * and the approved list's single statements.
 */
export interface PairingRowSource {
  /**
   * One transaction: unless read-only, take the store's pairing lock (so transactions of every gateway run one
   * after another); then read the time (`now`, from the injected clock: after waiting for the lock, so times
   * follow the order of the transactions), load the rows (events after `now - PAIRING_EVENT_WINDOW_MS`), call
   * `decide` with them (synchronous; it may throw: roll back and rethrow), write back the changes it returns,
   * commit, and return its result.
   */
  transact<T>(
    request: PairingTransactionRequest,
    decide: (data: PairingSnapshotData, now: number) => { result: T; changes: PairingSnapshotChanges },
  ): Promise<T>;
  isApprovedSender(channel: string, sender: string): Promise<boolean>;
  /** Approved senders of `channel`, oldest approval first (then by sender). */
  listApproved(channel: string): Promise<ApprovedSender[]>;
  /** Adds an approved sender; false when it was already there. */
  addApproved(channel: string, sender: string, at: number): Promise<boolean>;
  /** Removes an approved sender; false when it was not there. */
  removeApproved(channel: string, sender: string): Promise<boolean>;
}

/** Options of {@link createAsyncPairingService}. */
export interface AsyncPairingServiceOptions extends PairingLimits {
  source: PairingRowSource;
  clock: Clock;
  logger: Logger;
}

/**
 * Pairing over a store across a network (PostgreSQL): each operation is one transaction of `source` in which
 * channel-core's pairing rules run on a {@link createPairingSnapshot} of the loaded rows; its changes are written
 * back. The rules are the SQLite service's ({@link createPairingRules}); the counters stay in this process.
 */
export function createAsyncPairingService(options: AsyncPairingServiceOptions): AsyncPairing {
  const { source, clock, logger, ...limits } = options;
  const rules = createPairingRules({ ...limits, clock, logger });
  const run = async <T, R>(step: PairingStep<T, R>): Promise<R> => {
    const result = await source.transact({ channel: step.channel, readOnly: step.readOnly }, (data, now) => {
      const rows = createPairingSnapshot(data);
      const outcome = step.run(rows, now);
      const changes = rows.changes();
      if (step.readOnly && changes.any) throw new Error("A read-only pairing step changed rows.");
      return { result: outcome, changes };
    });
    return step.settle(result);
  };
  return {
    request: (input) => run(rules.request(input)),
    approve: (channel, code) => run(rules.approve(channel, code)),
    reject: (channel, code) => run(rules.reject(channel, code)),
    list: (channel) => run(rules.list(channel)),
    purgeExpired: () => run(rules.purgeExpired()),
    expiryMs: rules.expiryMs,
    rejectCooldownMs: rules.rejectCooldownMs,
    isApprovedSender: (channel, sender) => source.isApprovedSender(channel, sender),
    listApproved: (channel) => source.listApproved(channel),
    addApproved: (channel, sender) => source.addApproved(channel, sender, clock.now()),
    removeApproved: (channel, sender) => source.removeApproved(channel, sender),
    counters: () => rules.counters(),
  };
}
