/**
 * Whether one account may send now (issue 15): the pause switch, the daily cap and pacing hold the whole
 * account; the new-contact budgets hold one entry. Held entries stay in the outbox and go out in order
 * once the budget allows — nothing is dropped, nothing is sent twice (the outbox decides that).
 */
import type { AsyncPauses, AsyncSendLog, Clock, Logger, OutboxEntry, PauseState } from "@imgate/channel-core";
import type { ResolvedSendLimits } from "@imgate/imessage-channel";

const CHANNEL = "imessage";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Why an outbound message waits. */
export type HoldReason =
  | "paused"
  | "max-per-day"
  | "min-send-interval"
  | "new-contacts-per-hour"
  | "new-contacts-per-day";

/** A reason to wait, and until when (`undefined`: until someone resumes the account). */
export interface SendHold {
  reason: HoldReason;
  until: number | undefined;
}

/** Options of {@link createSendGate}. */
export interface SendGateOptions {
  accountId: string;
  limits: ResolvedSendLimits;
  pauses: Pick<AsyncPauses, "stateOf">;
  sendLog: Pick<AsyncSendLog, "usage" | "countedSince" | "lastSendAt" | "record">;
  /**
   * Whether the recipient of a non-reply entry ever wrote to this account (imsg's history of the chat).
   * Replies are known contacts by construction and never asked about.
   */
  hasWrittenToUs(entry: OutboxEntry): Promise<boolean>;
  /** A hold began (account-wide) or an entry was held (per entry), for `/metrics`. */
  onHold(reason: HoldReason): void;
  logger: Logger;
  clock: Clock;
}

/** The outbound gate of one account. */
export interface SendGate {
  /** The pause switch of the account, when on. */
  paused(): Promise<PauseState | undefined>;
  /** Holds the whole account: pause, `maxPerDay`, `minSendIntervalMs` (checked before each claim). */
  accountHold(): Promise<SendHold | undefined>;
  /** Holds one claimed entry: the new-contact budgets (replies never). */
  admit(entry: OutboxEntry): Promise<(SendHold & { until: number }) | undefined>;
  /** Records a delivered entry (call before its `sent` mark commits). */
  recordSent(entry: OutboxEntry): Promise<void>;
}

/** Replies are keyed `reply:…` (channel-core's replyIdempotencyKey): the person wrote to us first. */
const isReply = (entry: OutboxEntry) => entry.idempotencyKey.startsWith("reply:");

/** Creates the {@link SendGate} of one account. */
export function createSendGate(options: SendGateOptions): SendGate {
  const { accountId, limits, pauses, sendLog, clock, logger } = options;
  /** Entries admitted as a first message to a new contact, until their send is recorded. */
  const newContactIds = new Set<number>();
  let lastSendAt: number | undefined;
  /** The last send of an earlier run, read once (this gateway is the account's only sender meanwhile). */
  let lastSendLoaded: Promise<void> | undefined;
  const loadLastSend = () =>
    (lastSendLoaded ??= sendLog.lastSendAt(CHANNEL, accountId).then(
      (at) => {
        if (at !== undefined && (lastSendAt === undefined || at > lastSendAt)) lastSendAt = at;
      },
      (error: unknown) => {
        lastSendLoaded = undefined;
        throw error;
      },
    ));
  let lastAccountHold: HoldReason | undefined;

  const noteAccountHold = (hold: SendHold | undefined) => {
    if (hold && hold.reason !== lastAccountHold) {
      options.onHold(hold.reason);
      if (hold.reason !== "min-send-interval") {
        logger.warn(
          {
            reason: hold.reason,
            until: hold.until === undefined ? undefined : new Date(hold.until).toISOString(),
          },
          "outbound sending held; messages wait in the outbox",
        );
      }
    }
    lastAccountHold = hold?.reason;
    return hold;
  };

  const dailyCapHold = async (now: number): Promise<SendHold | undefined> => {
    if (limits.maxPerDay === 0) return undefined;
    const usage = await sendLog.usage(CHANNEL, accountId, now - DAY_MS + 1);
    if (usage.sends < limits.maxPerDay) return undefined;
    return { reason: "max-per-day", until: (usage.oldestSendAt ?? now) + DAY_MS };
  };

  /** The hold the new-contact budget of `windowMs` imposes, if spent. */
  const budgetHold = async (
    reason: "new-contacts-per-hour" | "new-contacts-per-day",
    limit: number,
    windowMs: number,
    now: number,
  ): Promise<(SendHold & { until: number }) | undefined> => {
    if (limit === 0) return undefined;
    const { newContactFirstAt } = await sendLog.usage(CHANNEL, accountId, now - windowMs + 1);
    if (newContactFirstAt.length < limit) return undefined;
    // Room for one more once enough first messages left the window.
    const frees = newContactFirstAt[newContactFirstAt.length - limit] ?? now;
    return { reason, until: frees + windowMs };
  };

  return {
    paused: () => pauses.stateOf(CHANNEL, accountId),
    async accountHold() {
      if (await pauses.stateOf(CHANNEL, accountId))
        return noteAccountHold({ reason: "paused", until: undefined });
      if (limits.minSendIntervalMs > 0) await loadLastSend();
      const now = clock.now();
      const capped = await dailyCapHold(now);
      if (capped) return noteAccountHold(capped);
      if (
        limits.minSendIntervalMs > 0 &&
        lastSendAt !== undefined &&
        now < lastSendAt + limits.minSendIntervalMs
      ) {
        return noteAccountHold({ reason: "min-send-interval", until: lastSendAt + limits.minSendIntervalMs });
      }
      return noteAccountHold(undefined);
    },
    async admit(entry) {
      if (isReply(entry)) return undefined;
      if (limits.newContactsPerHour === 0 && limits.newContactsPerDay === 0) return undefined;
      const now = clock.now();
      // Already spent budget on this person today: the next messages are not first messages.
      if (await sendLog.countedSince(CHANNEL, accountId, entry.chatKey, now - DAY_MS + 1)) return undefined;
      let known: boolean;
      try {
        known = await options.hasWrittenToUs(entry);
      } catch (error) {
        // Unknown history counts as a new contact: the budget errs on the side of the Apple ID.
        logger.warn(
          { err: error, outboxId: entry.id },
          "cannot read the chat's history; counting a new contact",
        );
        known = false;
      }
      if (known) return undefined;
      const hold =
        (await budgetHold("new-contacts-per-hour", limits.newContactsPerHour, HOUR_MS, now)) ??
        (await budgetHold("new-contacts-per-day", limits.newContactsPerDay, DAY_MS, now));
      if (hold) {
        if (entry.heldReason !== hold.reason) options.onHold(hold.reason);
        return hold;
      }
      newContactIds.add(entry.id);
      return undefined;
    },
    async recordSent(entry) {
      const at = clock.now();
      lastSendAt = at;
      const newContact = newContactIds.delete(entry.id);
      await sendLog.record({ channel: CHANNEL, accountId, contact: entry.chatKey, newContact, at });
    },
  };
}
