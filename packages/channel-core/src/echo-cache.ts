import { type Clock, systemClock } from "./clock.ts";
import { createDropCounters } from "./drop-counters.ts";
import type { Logger } from "./logger.ts";
import type { AsyncEchoRows } from "./state/state-backend.ts";

/** Options of {@link createEchoCache}. */
export interface EchoCacheOptions {
  clock?: Clock;
  /**
   * Persist the memory in the state store (`StateBackend.echo`, table `echo_memory`), so reflections that
   * arrive after a restart are still recognised; bounded by the TTLs and `maxEntries`. Without it the cache
   * lives in memory only. The cache itself stays synchronous: rows load once ({@link EchoCache.loaded}),
   * primes write through (their promise resolves once written), consumes and prunes write in the background.
   */
  rows?: AsyncEchoRows;
  /** Which rows of the store are this cache's (e.g. `imessage:default`). Default `default`. */
  scope?: string;
  /** Where a failed background write is reported (with `rows`). */
  logger?: Logger;
  /** How long a sent message's guid (and the chat and text it carried) is remembered. Default 12 hours. */
  guidTtlMs?: number;
  /** How long after a send an inbound copy with the same chat and text counts as its echo. Default 60 s. */
  textWindowMs?: number;
  /** Upper bound on remembered guids and texts each; the oldest are forgotten first. Default 5000. */
  maxEntries?: number;
}

/** An inbound message to test against what was sent. */
export interface EchoCandidate {
  guid?: string;
  chatKey: string;
  text?: string;
}

/** An inbound message that points at an earlier one (e.g. iMessage's `reply_to_guid`). */
export interface MirrorCandidate {
  /** The guid the message points at. */
  replyToGuid: string;
  chatKey: string;
  text: string;
}

/** The chat and text a sent guid carried. */
export interface SentBinding {
  chatKey: string;
  text: string;
}

/**
 * Remembers what imgate itself sent so the copy that comes back through the watch is not treated as a
 * new inbound message (decision "echo / self-chat").
 */
export interface EchoCache {
  /**
   * Remembers a guid the channel returned for a send. Matches until the guid TTL passes. With `sent`, the
   * guid is bound to the chat and text it carried, for {@link EchoCache.matchesMirror}.
   */
  primeGuid(guid: string, sent?: SentBinding): Promise<void>;
  /**
   * Remembers that `text` was sent to `chatKey`. One inbound message with the same chat and text
   * (trimmed, line endings normalised) matches within the window, and consumes it: priming twice lets
   * two copies match, so a person who repeats the bot's words later is not silenced.
   */
  primeText(chatKey: string, text: string): Promise<void>;
  /**
   * {@link EchoCache.primeGuid} (when the send has a guid) and {@link EchoCache.primeText} (when its text is
   * not blank) of one send. Every prime applies in memory at once; the promise resolves once its rows are
   * written (never rejects: a failed write is logged), so a send path that awaits it before calling imsg
   * leaves a reflection recognisable after a crash right after the send.
   */
  primeSend(send: SentBinding & { guid?: string }): Promise<void>;
  /** Resolves once the persisted rows are loaded (at once without `rows`); matches before that miss them. */
  readonly loaded: Promise<void>;
  /** Whether `candidate` is the echo of something sent (by guid, else by chat and text in the window). */
  matches(candidate: EchoCandidate): boolean;
  /**
   * Whether `candidate` is a mirror of a send: it points at a remembered guid whose send carried the same
   * text (and chat, when both are known). A reply with different text is not a mirror. Nothing is consumed.
   */
  matchesMirror(candidate: MirrorCandidate): boolean;
  /** `{ matched }`: inbound messages recognised as echoes (or mirrors) since creation. */
  counters(): { matched: number };
}

const normalizeText = (text: string) => text.replace(/\r\n?/g, "\n").trim();
/** Chat keys never contain U+001F; SQLite text cannot carry the NUL used before. */
const SEPARATOR = "\u001F";
const textKeyOf = (chatKey: string, text: string) => `${chatKey}${SEPARATOR}${normalizeText(text)}`;

interface GuidEntry {
  expiresAt: number;
  /** `chatKey␟text` of the send, when known. */
  bound?: string;
}

/** Creates an {@link EchoCache}; expiry follows the injected clock. */
export function createEchoCache(options: EchoCacheOptions = {}): EchoCache {
  const clock = options.clock ?? systemClock;
  const guidTtlMs = options.guidTtlMs ?? 12 * 60 * 60_000;
  const textWindowMs = options.textWindowMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 5000;
  const scope = options.scope ?? "default";
  const rows = options.rows;
  let guids = new Map<string, GuidEntry>();
  /** key → expiry times of the primes not yet consumed, oldest first. */
  let texts = new Map<string, number[]>();
  const drops = createDropCounters<"matched">();

  const prune = (now: number) => {
    // Both maps are in insertion order and TTLs are fixed, so expired entries sit at the front.
    for (const [guid, entry] of guids) {
      if (entry.expiresAt > now && guids.size <= maxEntries) break;
      guids.delete(guid);
    }
    for (const [key, expiries] of texts) {
      while (expiries.length > 0 && expiries[0]! <= now) expiries.shift();
      if (expiries.length > 0 && texts.size <= maxEntries) break;
      texts.delete(key);
    }
  };

  const rememberGuid = (guid: string, entry: GuidEntry) => {
    guids.delete(guid);
    guids.set(guid, entry);
  };
  const rememberText = (key: string, expiresAt: number) => {
    const expiries = texts.get(key) ?? [];
    texts.delete(key);
    expiries.push(expiresAt);
    texts.set(key, expiries);
  };

  /** A write that must not fail anything else: logged. */
  const logged = (write: Promise<void>, what: string): Promise<void> =>
    write.catch((error: unknown) =>
      options.logger?.warn({ err: error, scope }, `echo memory: could not ${what}`),
    );

  const loadRows = async () => {
    if (!rows) return;
    const loadedRows = await rows.load(scope, clock.now());
    // Rows loaded are older than anything primed meanwhile: they go first (the maps are in expiry order).
    const primedGuids = guids;
    const primedTexts = texts;
    guids = new Map();
    texts = new Map();
    for (const row of loadedRows) {
      if (row.kind === "guid") {
        rememberGuid(row.key, { expiresAt: row.expiresAt, ...(row.bound ? { bound: row.bound } : {}) });
      } else rememberText(row.key, row.expiresAt);
    }
    for (const [guid, entry] of primedGuids) rememberGuid(guid, entry);
    for (const [key, expiries] of primedTexts) for (const expiresAt of expiries) rememberText(key, expiresAt);
    prune(clock.now());
  };
  const loaded = logged(loadRows(), "load the rows of an earlier run");

  let primes = 0;
  const persisted = (write: () => Promise<void>): Promise<void> => {
    if (!rows) return Promise.resolve();
    const written = logged(write(), "remember a send");
    // The table is pruned every 64 primes (expired rows, and everything beyond both bounds).
    primes += 1;
    if (primes % 64 === 0) void logged(rows.prune(scope, clock.now(), maxEntries * 2), "prune");
    return written;
  };

  const primeGuid: EchoCache["primeGuid"] = (guid, sent) => {
    const now = clock.now();
    const entry: GuidEntry = {
      expiresAt: now + guidTtlMs,
      ...(sent ? { bound: textKeyOf(sent.chatKey, sent.text) } : {}),
    };
    rememberGuid(guid, entry);
    const written = persisted(
      async () =>
        await rows?.insert(scope, {
          kind: "guid",
          key: guid,
          ...(entry.bound ? { bound: entry.bound } : {}),
          expiresAt: entry.expiresAt,
        }),
    );
    prune(now);
    return written;
  };
  const primeText: EchoCache["primeText"] = (chatKey, text) => {
    const now = clock.now();
    const key = textKeyOf(chatKey, text);
    rememberText(key, now + textWindowMs);
    const written = persisted(
      async () => await rows?.insert(scope, { kind: "text", key, expiresAt: now + textWindowMs }),
    );
    prune(now);
    return written;
  };

  return {
    primeGuid,
    primeText,
    async primeSend({ guid, chatKey, text }) {
      await Promise.all([
        guid ? primeGuid(guid, { chatKey, text }) : undefined,
        text.trim() !== "" ? primeText(chatKey, text) : undefined,
      ]);
    },
    loaded,
    matches({ guid, chatKey, text }) {
      const now = clock.now();
      prune(now);
      let matched = false;
      if (guid !== undefined && guid !== "") {
        const entry = guids.get(guid);
        matched = entry !== undefined && entry.expiresAt > now;
      }
      if (!matched && text !== undefined) {
        const key = textKeyOf(chatKey, text);
        const expiries = texts.get(key);
        const index = expiries?.findIndex((expiresAt) => expiresAt > now) ?? -1;
        if (expiries && index >= 0) {
          expiries.splice(index, 1);
          if (rows) void logged(rows.consumeText(scope, key, now), "forget a matched echo");
          matched = true;
        }
      }
      if (matched) drops.increment("matched");
      return matched;
    },
    matchesMirror({ replyToGuid, chatKey, text }) {
      const now = clock.now();
      const entry = replyToGuid === "" ? undefined : guids.get(replyToGuid);
      if (!entry?.bound || entry.expiresAt <= now || normalizeText(text) === "") return false;
      const separator = entry.bound.indexOf(SEPARATOR);
      const sentChat = entry.bound.slice(0, separator);
      const sentText = entry.bound.slice(separator + 1);
      // The guid already names the send; the chat is checked only when both sides know it.
      const sameChat = sentChat === "" || chatKey === "" || sentChat === chatKey;
      const matched = sameChat && sentText === normalizeText(text);
      if (matched) drops.increment("matched");
      return matched;
    },
    counters: () => ({ matched: drops.snapshot().matched ?? 0 }),
  };
}
