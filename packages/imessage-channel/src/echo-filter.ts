/**
 * Echo suppression (protocol §7 "Echo loops", channel-behavior §18 and the imgate decision "echo /
 * self-chat"): the bot must never answer its own messages, however chat.db reflects them.
 *
 * - every send primes the filter with the returned guid (bound to the chat and text it carried) and with
 *   (chat, text) for a window; with a state store, this memory survives a gateway restart;
 * - mirror rows Messages writes for a send (`is_from_me:false`, a new guid, `reply_to_guid` = the sent guid,
 *   the same text; openclaw/openclaw#135704) are dropped, also when late; a reply with other text is not;
 * - a leading attributed-body residue (`\u0093b\u0002`, U+FFFC; openclaw/openclaw#64309) is ignored when
 *   texts are compared;
 * - `is_from_me` rows are dropped, and teach the filter the bot's own handles;
 * - rows from the bot's own handle (`sender` equal to an own handle or to the row's
 *   `destination_caller_id`) are echoes when they match a send, and self-reflections otherwise —
 *   except, in the self-chat, the `is_from_me:false` copy of something the owner typed;
 * - URL-preview duplicates (a `URLBalloonProvider` row with the same chat, sender and text) are dropped;
 * - a loop breaker silences a chat after repeated echo drops and logs a warning.
 */
import {
  type AsyncEchoRows,
  type Clock,
  createEchoCache,
  type EchoCache,
  type Logger,
} from "@imgate/channel-core";
import { stripAttributedResidue } from "./attributed-residue.ts";
import type { ImsgMessage } from "./imsg-port.ts";
import type { InboundDropReason } from "./inbound-outcome.ts";

const URL_BALLOON = "com.apple.messages.URLBalloonProvider";

/** Options of {@link createEchoFilter}. */
export interface EchoFilterOptions {
  logger: Logger;
  clock: Clock;
  /** The bot's own handles when known up front (learned from `is_from_me` rows anyway). */
  selfHandles?: readonly string[];
  /** channel-core's echo cache to prime and consult; a private one is created when absent. */
  cache?: EchoCache;
  /**
   * For a private cache: persist it in these rows (`StateBackend.echo`), so reflections after a restart are
   * still caught.
   */
  rows?: AsyncEchoRows;
  /** For a private cache in `rows`: the account its rows belong to (scope `imessage:<scope>`). Default `default`. */
  scope?: string;
  /** How long a sent (chat, text) counts as a possible echo (for a private cache). Default 120 000 ms. */
  textWindowMs?: number;
  /** URL-preview duplicate window (imsg uses 90 s). Default 90 000 ms. */
  urlPreviewWindowMs?: number;
  /** Echo drops within `loopWindowMs` that trip the loop breaker. Default 5. */
  loopThreshold?: number;
  /** Window of the loop breaker. Default 60 000 ms. */
  loopWindowMs?: number;
  /** How long a tripped chat stays silenced. Default 600 000 ms. */
  silenceMs?: number;
}

/** What was sent, for priming. */
export interface SentRecord {
  /** The chat it went to, when known (its echo is matched in that chat only). */
  chatId?: number;
  /** The exact text of the chunk sent. */
  text: string;
  /** The message guid imsg returned (or the `send.tracked` attempt id). */
  guid?: string;
}

/** A reaction the bot sent, for priming. */
export interface SentReaction {
  /** The chat it went to, when known. */
  chatId?: number;
  /** The guid of the message it went on. */
  targetGuid: string;
  /** The reaction (`love`, `like`, `dislike`, `laugh`, `emphasize`, `question`). */
  reaction: string;
}

/**
 * The echo filter of one account. The `record*` primes apply in memory at once; their promise resolves once
 * the persisted memory has them (never rejects), so a send path that awaits them before calling imsg keeps
 * a reflection recognisable after a crash right after the send.
 */
export interface EchoFilter {
  /** Resolves once the persisted memory of an earlier run is loaded (check watch rows after it). */
  readonly loaded: Promise<void>;
  /**
   * Primes the filter with a reaction the bot sends (call before sending): the reaction row that comes back
   * through the watch (or a reflection of it) is an echo, never an inbound reaction.
   */
  recordReaction(sent: SentReaction): Promise<void>;
  /** Primes the filter with one sent message (call for every chunk, before or right after sending). */
  recordSent(sent: SentRecord): Promise<void>;
  /**
   * Remembers the guid imsg returned for a send already primed with {@link EchoFilter.recordSent}, bound to
   * the text it carried (mirror rows point at it), without priming the text a second time.
   */
  recordGuid(sent: SentRecord & { guid: string }): Promise<void>;
  /** The drop reason for a message that must not become a turn, or `undefined` to let it through. */
  check(message: ImsgMessage): InboundDropReason | undefined;
  /** Whether a chat is currently silenced by the loop breaker. */
  isSilenced(chatId: number): boolean;
  /** The own handles learned so far (lower-cased). */
  selfHandles(): string[];
}

/** imsg names the `emphasize` tapback `emphasis` on reaction rows (protocol §3.1). */
const reactionName = (reaction: string) => (reaction === "emphasis" ? "emphasize" : reaction.toLowerCase());
/** Echo-memory key of a reaction sent on a message (one per target and kind). */
const reactionKey = (targetGuid: string, reaction: string) =>
  `tapback:${targetGuid}:${reactionName(reaction)}`;
/** Strips the `p:0/` style part prefix from a reaction row's target guid. */
const targetGuidOf = (guid: string) => guid.slice(guid.lastIndexOf("/") + 1);

const chatKeyOf = (chatId: number | undefined) => (chatId !== undefined && chatId > 0 ? String(chatId) : "");
const norm = (value: string) => value.trim().toLowerCase();
const textKey = (text: string) => stripAttributedResidue(text).replace(/\s+/g, " ").trim();

/**
 * Creates an echo filter. State is bounded by the windows; what was sent is persisted in `store` when given
 * (the rest — own handles, URL-preview rows, the loop breaker — lives in memory).
 */
export function createEchoFilter(options: EchoFilterOptions): EchoFilter {
  const { logger, clock } = options;
  const textWindow = options.textWindowMs ?? 120_000;
  const urlWindow = options.urlPreviewWindowMs ?? 90_000;
  const loopThreshold = options.loopThreshold ?? 5;
  const loopWindow = options.loopWindowMs ?? 60_000;
  const silenceMs = options.silenceMs ?? 600_000;

  const own = new Set((options.selfHandles ?? []).map(norm).filter((h) => h !== ""));
  const cache =
    options.cache ??
    createEchoCache({
      clock,
      textWindowMs: textWindow,
      logger,
      ...(options.rows ? { rows: options.rows, scope: `imessage:${options.scope ?? "default"}` } : {}),
    });
  const fromMeTexts: Array<{ chatId: number; text: string; at: number }> = [];
  const seenRows = new Map<string, { at: number; balloon: boolean }>();
  const echoDrops = new Map<number, number[]>();
  const silencedUntil = new Map<number, number>();

  function prune(now: number): void {
    while (fromMeTexts.length > 0 && now - fromMeTexts[0]!.at > textWindow) fromMeTexts.shift();
    // seenRows is kept in `at` order (re-seen keys move to the end), so expired entries are at the front:
    // stop at the first live one instead of scanning every row of the window on each message.
    for (const [key, seen] of seenRows) {
      if (now - seen.at <= urlWindow) break;
      seenRows.delete(key);
    }
  }

  function learn(message: ImsgMessage): void {
    const caller = norm(message.destination_caller_id ?? "");
    if (caller) own.add(caller);
    if (message.is_from_me && norm(message.sender)) own.add(norm(message.sender));
  }

  function countEcho(chatId: number, now: number): void {
    const drops = (echoDrops.get(chatId) ?? []).filter((at) => now - at <= loopWindow);
    drops.push(now);
    echoDrops.set(chatId, drops);
    if (drops.length >= loopThreshold && !(silencedUntil.get(chatId)! > now)) {
      silencedUntil.set(chatId, now + silenceMs);
      echoDrops.delete(chatId);
      logger.warn(
        { chatId, echoDrops: drops.length, silenceMs },
        "imessage: echo loop suspected; chat silenced (check for another bot or a forwarding rule in this chat)",
      );
    }
  }

  function isSelfChat(message: ImsgMessage): boolean {
    const identifier = norm(message.chat_identifier ?? "");
    return !message.is_group && identifier !== "" && own.has(identifier);
  }

  /** Whether a reaction row is one the bot sent (its reflection or echo). */
  function isOwnReaction(message: ImsgMessage): boolean {
    const target = targetGuidOf(message.reacted_to_guid ?? "");
    if (!message.is_reaction || target === "" || !message.reaction_type) return false;
    return cache.matches({
      guid: reactionKey(target, message.reaction_type),
      chatKey: chatKeyOf(message.chat_id),
    });
  }

  return {
    loaded: cache.loaded,

    recordReaction(sent) {
      return cache.primeGuid(reactionKey(sent.targetGuid, sent.reaction), {
        chatKey: chatKeyOf(sent.chatId),
        text: "",
      });
    },

    recordSent(sent) {
      return cache.primeSend({
        ...(sent.guid ? { guid: sent.guid } : {}),
        chatKey: chatKeyOf(sent.chatId),
        text: stripAttributedResidue(sent.text),
      });
    },

    recordGuid(sent) {
      return cache.primeGuid(sent.guid, {
        chatKey: chatKeyOf(sent.chatId),
        text: stripAttributedResidue(sent.text),
      });
    },

    check(message) {
      const now = clock.now();
      prune(now);
      learn(message);
      const chatId = message.chat_id;
      const text = textKey(message.text);
      const clean = stripAttributedResidue(message.text);
      const sender = norm(message.sender);

      const rowKey = `${chatId}|${message.is_from_me ? 1 : 0}|${sender}|${text}`;
      const balloon = message.balloon_bundle_id === URL_BALLOON;
      const previous = text === "" ? undefined : seenRows.get(rowKey);
      if (text !== "") {
        seenRows.delete(rowKey);
        seenRows.set(rowKey, { at: now, balloon: balloon || (previous?.balloon ?? false) });
      }
      if (previous && (balloon || previous.balloon)) return "url-preview-duplicate";

      if (chatId > 0 && (silencedUntil.get(chatId) ?? 0) > now) return "loop-breaker";

      // Reactions the bot sent come back as reaction rows (with `include_reactions`): from-me ones are
      // dropped below; a reflection without is_from_me must not become an inbound reaction either.
      if (!message.is_from_me && isOwnReaction(message)) return "echo";
      if (message.is_from_me) {
        if (text !== "") fromMeTexts.push({ chatId, text, at: now });
        return "from-me";
      }
      // A mirror names our send by guid and repeats its text: identified, not a loop symptom, so it is not
      // counted by the loop breaker (a long chunked reply would otherwise silence the chat).
      const replyTo = message.reply_to_guid ?? "";
      if (
        replyTo !== "" &&
        cache.matchesMirror({ replyToGuid: replyTo, chatKey: chatKeyOf(chatId), text: clean })
      ) {
        return "mirror";
      }
      const fromSelf =
        sender !== "" && (own.has(sender) || sender === norm(message.destination_caller_id ?? ""));
      // Text matches only count for rows from our own handle, so a person quoting the bot is never dropped.
      const matchesSend =
        (message.guid !== "" && cache.matches({ guid: message.guid, chatKey: chatKeyOf(chatId) })) ||
        (fromSelf && cache.matches({ chatKey: chatKeyOf(chatId), text: clean }));
      if (matchesSend) {
        countEcho(chatId, now);
        return "echo";
      }
      if (fromSelf) {
        // The owner typing in their own self-chat: Messages writes is_from_me:1 and an is_from_me:0 copy.
        const ownerTyped =
          isSelfChat(message) && fromMeTexts.some((f) => f.chatId === chatId && f.text === text);
        if (!ownerTyped) {
          countEcho(chatId, now);
          return "self-reflection";
        }
      }
      return undefined;
    },

    isSilenced(chatId) {
      return (silencedUntil.get(chatId) ?? 0) > clock.now();
    },

    selfHandles() {
      return [...own];
    },
  };
}
