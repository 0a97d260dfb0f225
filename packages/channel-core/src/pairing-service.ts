import { createDropCounters, type DropCounters } from "./drop-counters.ts";
import { formatDuration } from "./format-duration.ts";
import { generatePairingCode, pairingCodesEqual, type RandomBytes } from "./pairing-code.ts";
import { type ApprovedSender, createPairingStore, type PairingRequestRecord } from "./pairing-store.ts";
import { PairingError, StateErrorCode } from "./state-errors.ts";
import type { StateStore } from "./state-store.ts";

/** `code`: strangers get their pairing code once; `silent`: requests are recorded but never answered. */
export type PairingReplyMode = "code" | "silent";

/** Options of {@link createPairingService}. Logger and clock come from the state store. */
export interface PairingServiceOptions {
  store: StateStore;
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

/** What the caller must do after {@link PairingService.request}. */
export type PairingRequestOutcome =
  /** Send the pairing message carrying `code` to the sender now. */
  | { action: "reply"; code: string; expiresAt: number }
  /** Do not reply. `code` is set when a request exists for the sender. */
  | { action: "none"; reason: PairingNoReplyReason; code?: string };

/** A pending request as listed to the owner. */
export interface PendingPairing extends PairingRequestRecord {
  /** Milliseconds until it expires (always > 0 in a listing). */
  expiresInMs: number;
}

/** Names of the pairing counters (see {@link PairingService.counters}). */
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

const PAIRING_COUNTERS: readonly PairingCounter[] = [
  "replied",
  "already_pending",
  "silent",
  "reply_cap",
  "pending_cap",
  "approved",
  "already_approved",
  "rejected",
  "reject_cooldown",
  "wrong_code",
  "rate_limited",
];

/** DM pairing: codes for strangers, owner approval, and the approved-senders list policy reads. */
export interface PairingService {
  /**
   * Records that an unauthorised `sender` wrote on `channel` and says whether to send them a code.
   * `meta` values that are empty are dropped. `reply` overrides the service's `pairingReply`.
   */
  request(input: {
    channel: string;
    sender: string;
    meta?: Record<string, string | undefined>;
    reply?: PairingReplyMode;
  }): PairingRequestOutcome;
  /**
   * Approves the pending request with `code` (case-insensitive): the sender joins the channel's
   * approved list (DM access only) and the request is removed. A code approved before (until it would
   * have expired) returns again with `alreadyApproved: true` while its sender is still approved. Throws
   * {@link PairingError} `PAIRING_CODE_NOT_FOUND` or `PAIRING_RATE_LIMITED`.
   */
  approve(
    channel: string,
    code: string,
  ): { channel: string; sender: string; meta?: Record<string, string>; alreadyApproved?: boolean };
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

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const MINUTE_MS = 60 * 1000;
const CODE_ATTEMPTS = 500;

/** Creates the {@link PairingService}. Every read-modify-write runs in one IMMEDIATE transaction. */
export function createPairingService(options: PairingServiceOptions): PairingService {
  const { store } = options;
  const { clock, logger } = store;
  const rows = createPairingStore(store);
  const expiryMs = options.expiryMs ?? HOUR_MS;
  const rejectCooldownMs = options.rejectCooldownMs ?? DAY_MS;
  const maxPending = options.maxPendingPerChannel ?? 3;
  const maxReplies = options.maxRepliesPerHour ?? 20;
  const maxFailed = options.maxFailedAttemptsPerMinute ?? 5;
  const defaultReply = options.pairingReply ?? "code";
  const counters: DropCounters<PairingCounter> = createDropCounters<PairingCounter>();

  const purge = (now: number): number => {
    const removed = rows.purgeExpiredRequests(now);
    rows.purgeEvents(now - HOUR_MS);
    rows.purgeDecisions(now);
    return removed;
  };

  const drawCode = (channel: string): string => {
    for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt += 1) {
      const code = generatePairingCode(options.randomBytes);
      if (!rows.codeInUse(channel, code)) return code;
    }
    throw new PairingError(
      StateErrorCode.pairingCodeExhausted,
      `No unused pairing code could be drawn for ${channel} after ${CODE_ATTEMPTS} attempts; ` +
        "reject stale requests with `imgate pairing reject` and try again.",
    );
  };

  type Match =
    | { ok: true; request: PairingRequestRecord; decided?: "approved" }
    | { ok: false; error: PairingError; counter: PairingCounter };

  /** Finds the request whose code matches, comparing every pending code in constant time. */
  const findByCode = (channel: string, code: string, now: number): Match => {
    const failures = rows.countEvents("approve_failed", now - MINUTE_MS);
    if (failures.count >= maxFailed) {
      const waitS = Math.max(1, Math.ceil(((failures.oldestAt ?? now) + MINUTE_MS - now) / 1000));
      return {
        ok: false,
        counter: "rate_limited",
        error: new PairingError(
          StateErrorCode.pairingRateLimited,
          `Too many wrong pairing codes (${failures.count} in the last minute); attempts are refused for now. ` +
            `Wait ${waitS} s, then retry with a code shown by \`imgate pairing list\`.`,
        ),
      };
    }
    purge(now);
    let found: PairingRequestRecord | undefined;
    // No early exit and no SQL lookup by code: the time taken does not depend on which code matched.
    for (const request of rows.listRequests(channel)) {
      if (pairingCodesEqual(request.code, code) && found === undefined) found = request;
    }
    if (found) return { ok: true, request: found };
    // A code the owner already decided on is not a wrong guess: say what happened to it.
    let decided: ReturnType<typeof rows.listDecisions>[number] | undefined;
    for (const decision of rows.listDecisions(channel)) {
      if (pairingCodesEqual(decision.code, code) && decided === undefined) decided = decision;
    }
    if (decided?.decision === "approved" && rows.isApprovedSender(channel, decided.sender)) {
      return {
        ok: true,
        decided: "approved",
        request: {
          channel,
          sender: decided.sender,
          code: decided.code,
          createdAt: decided.decidedAt,
          lastSeenAt: decided.decidedAt,
          expiresAt: decided.until,
        },
      };
    }
    if (decided?.decision === "rejected") {
      return {
        ok: false,
        counter: "wrong_code",
        error: new PairingError(
          StateErrorCode.pairingNotFound,
          `The pairing request with code ${code.trim()} was rejected; ${decided.sender} gets no new code until ${new Date(decided.until).toISOString()}.`,
        ),
      };
    }
    rows.recordEvent("approve_failed", channel, now);
    return {
      ok: false,
      counter: "wrong_code",
      error: new PairingError(
        StateErrorCode.pairingNotFound,
        `No pending pairing request found for code: ${code.trim()}. ` +
          `Check the code with \`imgate pairing list\`; codes expire after ${formatDuration(expiryMs)}.`,
      ),
    };
  };

  const settle = <T>(match: Match, action: (request: PairingRequestRecord) => T): T => {
    if (!match.ok) {
      counters.increment(match.counter);
      logger.warn({ code: match.error.code }, "pairing attempt refused");
      throw match.error;
    }
    return action(match.request);
  };

  return {
    request({ channel, sender, meta, reply }) {
      const mode = reply ?? defaultReply;
      const outcome = store.transaction((): PairingRequestOutcome => {
        const now = clock.now();
        purge(now);
        const decision = rows.getDecision(channel, sender);
        if (decision?.decision === "rejected" && decision.until > now) {
          return { action: "none", reason: "rejected" };
        }
        const existing = rows.getRequest(channel, sender);
        if (existing) {
          rows.touchRequest(channel, sender, now);
          return { action: "none", reason: "already_pending", code: existing.code };
        }
        if (rows.countRequests(channel) >= maxPending) return { action: "none", reason: "pending_cap" };
        const cleanMeta = Object.fromEntries(
          Object.entries(meta ?? {}).filter((entry): entry is [string, string] => Boolean(entry[1])),
        );
        const code = drawCode(channel);
        const expiresAt = now + expiryMs;
        rows.insertRequest({
          channel,
          sender,
          code,
          createdAt: now,
          lastSeenAt: now,
          expiresAt,
          meta: cleanMeta,
        });
        if (mode === "silent") return { action: "none", reason: "silent", code };
        if (rows.countEvents("reply", now - HOUR_MS).count >= maxReplies) {
          return { action: "none", reason: "reply_cap", code };
        }
        rows.recordEvent("reply", channel, now);
        return { action: "reply", code, expiresAt };
      });
      counters.increment(
        outcome.action === "reply"
          ? "replied"
          : outcome.reason === "rejected"
            ? "reject_cooldown"
            : outcome.reason,
      );
      if (outcome.action === "reply") {
        // Who got a code and until when; never the code itself (it is a credential).
        logger.info(
          { channel, sender, expiresAt: new Date(outcome.expiresAt).toISOString() },
          "pairing code issued",
        );
      } else if (outcome.reason !== "already_pending") {
        logger.info({ channel, sender, reason: outcome.reason }, "pairing request not answered");
      }
      return outcome;
    },
    approve(channel, code) {
      const match = store.transaction(() => {
        const now = clock.now();
        const result = findByCode(channel, code, now);
        if (result.ok && result.decided === undefined) {
          rows.deleteRequest(channel, result.request.sender);
          rows.addApproved(channel, result.request.sender, now);
          rows.putDecision({
            channel,
            sender: result.request.sender,
            code: result.request.code,
            decision: "approved",
            decidedAt: now,
            until: Math.max(result.request.expiresAt, now + expiryMs),
          });
        }
        return result;
      });
      return settle(match, (request) => {
        const already = match.ok && match.decided === "approved";
        counters.increment(already ? "already_approved" : "approved");
        if (!already) logger.info({ channel, sender: request.sender }, "pairing approved");
        return {
          channel,
          sender: request.sender,
          ...(request.meta ? { meta: request.meta } : {}),
          ...(already ? { alreadyApproved: true } : {}),
        };
      });
    },
    reject(channel, code) {
      const match = store.transaction((): Match => {
        const now = clock.now();
        const result = findByCode(channel, code, now);
        if (!result.ok) return result;
        if (result.decided === "approved") {
          return {
            ok: false,
            counter: "wrong_code",
            error: new PairingError(
              StateErrorCode.pairingNotFound,
              `The pairing request with code ${code.trim()} was already approved (${result.request.sender}); to revoke it, remove ${result.request.sender} from the approved senders.`,
            ),
          };
        }
        rows.deleteRequest(channel, result.request.sender);
        rows.putDecision({
          channel,
          sender: result.request.sender,
          code: result.request.code,
          decision: "rejected",
          decidedAt: now,
          until: now + rejectCooldownMs,
        });
        return result;
      });
      return settle(match, (request) => {
        counters.increment("rejected");
        logger.info(
          { channel, sender: request.sender, until: new Date(clock.now() + rejectCooldownMs).toISOString() },
          "pairing rejected; no new code for this sender until the cooldown ends",
        );
        return request;
      });
    },
    list(channel) {
      const now = clock.now();
      return rows
        .listRequests(channel)
        .filter((request) => request.expiresAt > now)
        .map((request) => ({ ...request, expiresInMs: request.expiresAt - now }));
    },
    expiryMs,
    rejectCooldownMs,
    isApprovedSender: (channel, sender) => rows.isApprovedSender(channel, sender),
    listApproved: (channel) => rows.listApproved(channel),
    addApproved: (channel, sender) => rows.addApproved(channel, sender, clock.now()),
    removeApproved: (channel, sender) => rows.removeApproved(channel, sender),
    purgeExpired: () => store.transaction(() => purge(clock.now())),
    counters: () => {
      const seen = counters.snapshot();
      return Object.fromEntries(PAIRING_COUNTERS.map((name) => [name, seen[name] ?? 0])) as Record<
        PairingCounter,
        number
      >;
    },
  };
}
