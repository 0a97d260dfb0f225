import { createPairingRules } from "./pairing-rules.ts";
import { type ApprovedSender, createPairingStore, type PairingRequestRecord } from "./pairing-store.ts";
import type {
  PairingApprovalResult,
  PairingCounter,
  PairingLimits,
  PairingRequestInput,
  PairingRequestOutcome,
  PairingStep,
  PendingPairing,
} from "./pairing-types.ts";
import type { StateStore } from "./state-store.ts";

export type {
  PairingCounter,
  PairingNoReplyReason,
  PairingReplyMode,
  PairingRequestOutcome,
  PendingPairing,
} from "./pairing-types.ts";

/** Options of {@link createPairingService}. Logger and clock come from the state store. */
export interface PairingServiceOptions extends PairingLimits {
  store: StateStore;
}

/** DM pairing: codes for strangers, owner approval, and the approved-senders list policy reads. */
export interface PairingService {
  /**
   * Records that an unauthorised `sender` wrote on `channel` and says whether to send them a code.
   * `meta` values that are empty are dropped. `reply` overrides the service's `pairingReply`.
   */
  request(input: PairingRequestInput): PairingRequestOutcome;
  /**
   * Approves the pending request with `code` (case-insensitive): the sender joins the channel's
   * approved list (DM access only) and the request is removed. A code approved before (until it would
   * have expired) returns again with `alreadyApproved: true` while its sender is still approved. Throws
   * {@link PairingError} `PAIRING_CODE_NOT_FOUND` or `PAIRING_RATE_LIMITED`.
   */
  approve(channel: string, code: string): PairingApprovalResult;
  /**
   * Removes the pending request with `code` without approving; the sender gets no new code for
   * `rejectCooldownMs`. Same errors as `approve`.
   */
  reject(channel: string, code: string): PairingRequestRecord;
  /** How long a code stays valid (for messages that name it). */
  readonly expiryMs: number;
  /** How long a rejected sender gets no new code. */
  readonly rejectCooldownMs: number;
  /** Pending, unexpired requests (of one channel or all), oldest first, with the time left. */
  list(channel?: string): PendingPairing[];
  /** Whether `sender` was approved for direct messages on `channel`. */
  isApprovedSender(channel: string, sender: string): boolean;
  listApproved(channel: string): ApprovedSender[];
  /** Adds `sender` to the approved list directly (e.g. `/allowlist add dm … --store`). */
  addApproved(channel: string, sender: string): boolean;
  removeApproved(channel: string, sender: string): boolean;
  /** Deletes expired requests and old rate-limit events; returns the number of requests removed. */
  purgeExpired(): number;
  /** Counts of request outcomes, approvals and refusals since this service was created. */
  counters(): Record<PairingCounter, number>;
}

/**
 * Creates the {@link PairingService} over the SQLite state store: the shared {@link createPairingRules}, each
 * step's read-modify-write in one IMMEDIATE transaction.
 */
export function createPairingService(options: PairingServiceOptions): PairingService {
  const { store, ...limits } = options;
  const { clock } = store;
  const rows = createPairingStore(store);
  const rules = createPairingRules({ ...limits, clock, logger: store.logger });
  const run = <T, R>(step: PairingStep<T, R>): R => {
    const body = () => step.run(rows, clock.now());
    return step.settle(step.readOnly ? store.read(body) : store.transaction(body));
  };
  return {
    request: (input) => run(rules.request(input)),
    approve: (channel, code) => run(rules.approve(channel, code)),
    reject: (channel, code) => run(rules.reject(channel, code)),
    list: (channel) => run(rules.list(channel)),
    expiryMs: rules.expiryMs,
    rejectCooldownMs: rules.rejectCooldownMs,
    isApprovedSender: (channel, sender) => rows.isApprovedSender(channel, sender),
    listApproved: (channel) => rows.listApproved(channel),
    addApproved: (channel, sender) => rows.addApproved(channel, sender, clock.now()),
    removeApproved: (channel, sender) => rows.removeApproved(channel, sender),
    purgeExpired: () => run(rules.purgeExpired()),
    counters: () => rules.counters(),
  };
}
