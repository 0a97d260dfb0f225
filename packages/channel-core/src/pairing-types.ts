/** The types of the pairing rules (`pairing-rules.ts`) and the services that run them. */

import type { RandomBytes } from "./pairing-code.ts";
import type { PairingRequestRecord, PairingStore } from "./pairing-store.ts";
import type { PairingError } from "./state-errors.ts";

/** `code`: strangers get their pairing code once; `silent`: requests are recorded but never answered. */
export type PairingReplyMode = "code" | "silent";

/** The pairing limits, shared by every store that runs the {@link PairingRules}. */
export interface PairingLimits {
  /** How long a pending request (and its code) stays valid. Default 1 hour. */
  expiryMs?: number;
  /** How long a rejected sender gets no new code (their messages are dropped silently). Default 24 h. */
  rejectCooldownMs?: number;
  /** Pending requests allowed per channel; further strangers are ignored silently. Default 3. */
  maxPendingPerChannel?: number;
  /** Pairing replies allowed per rolling hour across all channels. Default 20. */
  maxRepliesPerHour?: number;
  /** Wrong codes tolerated per rolling minute before approvals are refused. Default 5. */
  maxFailedAttemptsPerMinute?: number;
  /** Default reply mode (`channels.<channel>.pairingReply`). Default `code`. */
  pairingReply?: PairingReplyMode;
  /** Random source for codes; tests only. */
  randomBytes?: RandomBytes;
}

/** Why no pairing reply is to be sent. */
export type PairingNoReplyReason =
  /** The sender already has a pending request; they were sent the code before. */
  | "already_pending"
  /** `pairingReply` is `silent`: the request is recorded for `imgate pairing list`. */
  | "silent"
  /** The hourly cap on pairing replies is reached: the request is recorded, no reply. */
  | "reply_cap"
  /** The channel already has the maximum of pending requests: nothing recorded. */
  | "pending_cap"
  /** The owner rejected this sender's request less than `rejectCooldownMs` ago: nothing recorded. */
  | "rejected";

/** What the caller must do after a pairing request. */
export type PairingRequestOutcome =
  /** Send the pairing message carrying `code` to the sender now. */
  | { action: "reply"; code: string; expiresAt: number }
  /** Do not reply. `code` is set when a request exists for the sender. */
  | { action: "none"; reason: PairingNoReplyReason; code?: string };

/** Input of a pairing request: an unauthorised `sender` wrote on `channel`. */
export interface PairingRequestInput {
  channel: string;
  sender: string;
  /** Facts for the owner; empty values are dropped. */
  meta?: Record<string, string | undefined>;
  /** Overrides the default {@link PairingLimits.pairingReply}. */
  reply?: PairingReplyMode;
}

/** What an approval returns. */
export interface PairingApprovalResult {
  channel: string;
  sender: string;
  meta?: Record<string, string>;
  /** The code had been approved before and its sender is still approved. */
  alreadyApproved?: boolean;
}

/** A pending request as listed to the owner. */
export interface PendingPairing extends PairingRequestRecord {
  /** Milliseconds until it expires (always > 0 in a listing). */
  expiresInMs: number;
}

/** Names of the pairing counters. */
export type PairingCounter =
  | "replied"
  | "already_pending"
  | "silent"
  | "reply_cap"
  | "pending_cap"
  | "approved"
  | "already_approved"
  | "rejected"
  | "reject_cooldown"
  | "wrong_code"
  | "rate_limited";

/** How an approval or rejection's code matched, decided inside the transaction. */
export type PairingMatch =
  | { ok: true; request: PairingRequestRecord; decided?: "approved" }
  | { ok: false; error: PairingError; counter: PairingCounter };

/**
 * One pairing operation, split where the store's transaction ends: {@link run} is the transaction's body (it reads
 * and writes rows, synchronously, with the transaction's `now`), {@link settle} runs after the commit (counters,
 * logs, the result or the thrown {@link PairingError}). A store runs it as
 * `step.settle(transaction((rows, now) => step.run(rows, now)))`.
 */
export interface PairingStep<T, R> {
  /** The channel whose rows {@link run} reads and writes; undefined: every channel's. */
  readonly channel: string | undefined;
  /** True when {@link run} only reads (a store may skip locking and writing back). */
  readonly readOnly: boolean;
  run(rows: PairingStore, now: number): T;
  settle(result: T): R;
}
