import type { Clock } from "./clock.ts";
import { createDropCounters, type DropCounters } from "./drop-counters.ts";
import { formatDuration } from "./format-duration.ts";
import type { Logger } from "./logger.ts";
import { generatePairingCode, pairingCodesEqual } from "./pairing-code.ts";
import type { PairingRequestRecord, PairingStore } from "./pairing-store.ts";
import type {
  PairingApprovalResult,
  PairingCounter,
  PairingLimits,
  PairingMatch,
  PairingRequestInput,
  PairingRequestOutcome,
  PairingStep,
  PendingPairing,
} from "./pairing-types.ts";
import { PairingError, StateErrorCode } from "./state-errors.ts";

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

/**
 * Rate-limit events older than this are never counted (the reply cap's rolling hour; the wrong-code limit looks
 * back one minute) and are purged. A store that loads events needs only those after `now - PAIRING_EVENT_WINDOW_MS`.
 */
export const PAIRING_EVENT_WINDOW_MS = 60 * 60 * 1000;

/**
 * The pairing rules, once for every store: cooldowns, the pending cap, the reply cap, the wrong-code rate limit,
 * code collisions and owner decisions. Each method returns a {@link PairingStep} for a store to run in one
 * transaction; the rate-limit counters live in this object (this process).
 */
export interface PairingRules {
  readonly expiryMs: number;
  readonly rejectCooldownMs: number;
  /** Records that a stranger wrote; says whether to send them a code. */
  request(input: PairingRequestInput): PairingStep<PairingRequestOutcome, PairingRequestOutcome>;
  /** Approves the pending request with `code`; `settle` throws {@link PairingError} when refused. */
  approve(channel: string, code: string): PairingStep<PairingMatch, PairingApprovalResult>;
  /** Rejects the pending request with `code` (cooldown starts); `settle` throws when refused. */
  reject(channel: string, code: string): PairingStep<PairingMatch, PairingRequestRecord>;
  /** Pending, unexpired requests (of one channel or all), oldest first, with the time left. */
  list(channel?: string): PairingStep<PendingPairing[], PendingPairing[]>;
  /** Deletes expired requests, decisions and old events; the result is the number of requests removed. */
  purgeExpired(): PairingStep<number, number>;
  /** Counts of request outcomes, approvals and refusals since these rules were created. */
  counters(): Record<PairingCounter, number>;
}

/** Options of {@link createPairingRules}. */
export interface PairingRulesOptions extends PairingLimits {
  clock: Clock;
  logger: Logger;
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const MINUTE_MS = 60 * 1000;
const CODE_ATTEMPTS = 500;

/** Creates the {@link PairingRules}. */
export function createPairingRules(options: PairingRulesOptions): PairingRules {
  const { clock, logger } = options;
  const expiryMs = options.expiryMs ?? HOUR_MS;
  const rejectCooldownMs = options.rejectCooldownMs ?? DAY_MS;
  const maxPending = options.maxPendingPerChannel ?? 3;
  const maxReplies = options.maxRepliesPerHour ?? 20;
  const maxFailed = options.maxFailedAttemptsPerMinute ?? 5;
  const defaultReply = options.pairingReply ?? "code";
  const counters: DropCounters<PairingCounter> = createDropCounters<PairingCounter>();

  const purge = (rows: PairingStore, now: number): number => {
    const removed = rows.purgeExpiredRequests(now);
    rows.purgeEvents(now - PAIRING_EVENT_WINDOW_MS);
    rows.purgeDecisions(now);
    return removed;
  };

  const drawCode = (rows: PairingStore, channel: string): string => {
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

  /** Finds the request whose code matches, comparing every pending code in constant time. */
  const findByCode = (rows: PairingStore, channel: string, code: string, now: number): PairingMatch => {
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
    purge(rows, now);
    let found: PairingRequestRecord | undefined;
    // No early exit and no lookup by code: the time taken does not depend on which code matched.
    for (const request of rows.listRequests(channel)) {
      if (pairingCodesEqual(request.code, code) && found === undefined) found = request;
    }
    if (found) return { ok: true, request: found };
    // A code the owner already decided on is not a wrong guess: say what happened to it.
    let decided: ReturnType<PairingStore["listDecisions"]>[number] | undefined;
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

  const settleMatch = <T>(match: PairingMatch, action: (request: PairingRequestRecord) => T): T => {
    if (!match.ok) {
      counters.increment(match.counter);
      logger.warn({ code: match.error.code }, "pairing attempt refused");
      throw match.error;
    }
    return action(match.request);
  };

  const requestIn = (
    rows: PairingStore,
    now: number,
    { channel, sender, meta, reply }: PairingRequestInput,
  ): PairingRequestOutcome => {
    purge(rows, now);
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
    const code = drawCode(rows, channel);
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
    if ((reply ?? defaultReply) === "silent") return { action: "none", reason: "silent", code };
    if (rows.countEvents("reply", now - HOUR_MS).count >= maxReplies) {
      return { action: "none", reason: "reply_cap", code };
    }
    rows.recordEvent("reply", channel, now);
    return { action: "reply", code, expiresAt };
  };

  return {
    expiryMs,
    rejectCooldownMs,
    request: (input) => ({
      channel: input.channel,
      readOnly: false,
      run: (rows, now) => requestIn(rows, now, input),
      settle(outcome) {
        const { channel, sender } = input;
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
    }),
    approve: (channel, code) => ({
      channel,
      readOnly: false,
      run(rows, now) {
        const result = findByCode(rows, channel, code, now);
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
      },
      settle: (match) =>
        settleMatch(match, (request) => {
          const already = match.ok && match.decided === "approved";
          counters.increment(already ? "already_approved" : "approved");
          if (!already) logger.info({ channel, sender: request.sender }, "pairing approved");
          return {
            channel,
            sender: request.sender,
            ...(request.meta ? { meta: request.meta } : {}),
            ...(already ? { alreadyApproved: true } : {}),
          };
        }),
    }),
    reject: (channel, code) => ({
      channel,
      readOnly: false,
      run(rows, now): PairingMatch {
        const result = findByCode(rows, channel, code, now);
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
      },
      settle: (match) =>
        settleMatch(match, (request) => {
          counters.increment("rejected");
          logger.info(
            {
              channel,
              sender: request.sender,
              until: new Date(clock.now() + rejectCooldownMs).toISOString(),
            },
            "pairing rejected; no new code for this sender until the cooldown ends",
          );
          return request;
        }),
    }),
    list: (channel) => ({
      channel,
      readOnly: true,
      run: (rows, now) =>
        rows
          .listRequests(channel)
          .filter((request) => request.expiresAt > now)
          .map((request) => ({ ...request, expiresInMs: request.expiresAt - now })),
      settle: (listed) => listed,
    }),
    purgeExpired: () => ({
      channel: undefined,
      readOnly: false,
      run: (rows, now) => purge(rows, now),
      settle: (removed) => removed,
    }),
    counters: () => {
      const seen = counters.snapshot();
      return Object.fromEntries(PAIRING_COUNTERS.map((name) => [name, seen[name] ?? 0])) as Record<
        PairingCounter,
        number
      >;
    },
  };
}
