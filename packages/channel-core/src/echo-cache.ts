import { type Clock, systemClock } from "./clock.ts";
import { createDropCounters } from "./drop-counters.ts";

/** Options of {@link createEchoCache}. */
export interface EchoCacheOptions {
  clock?: Clock;
  /** How long a sent message's guid is remembered. Default 10 minutes. */
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

/**
 * Remembers what imgate itself sent so the copy that comes back through the watch is not treated as a
 * new inbound message (decision "echo / self-chat"). In memory: echoes arrive within seconds.
 */
export interface EchoCache {
  /** Remembers a guid the channel returned for a send. Matches until the guid TTL passes. */
  primeGuid(guid: string): void;
  /**
   * Remembers that `text` was sent to `chatKey`. One inbound message with the same chat and text
   * (trimmed, line endings normalised) matches within the window, and consumes it: priming twice lets
   * two copies match, so a person who repeats the bot's words later is not silenced.
   */
  primeText(chatKey: string, text: string): void;
  /** Whether `candidate` is the echo of something sent (by guid, else by chat and text in the window). */
  matches(candidate: EchoCandidate): boolean;
  /** `{ matched }`: inbound messages recognised as echoes since creation. */
  counters(): { matched: number };
}

const normalizeText = (text: string) => text.replace(/\r\n?/g, "\n").trim();

/** Creates an {@link EchoCache}; expiry follows the injected clock. */
export function createEchoCache(options: EchoCacheOptions = {}): EchoCache {
  const clock = options.clock ?? systemClock;
  const guidTtlMs = options.guidTtlMs ?? 10 * 60_000;
  const textWindowMs = options.textWindowMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 5000;
  const guids = new Map<string, number>();
  /** key → expiry times of the primes not yet consumed, oldest first. */
  const texts = new Map<string, number[]>();
  const drops = createDropCounters<"matched">();

  const textKey = (chatKey: string, text: string) => `${chatKey}\u0000${normalizeText(text)}`;

  const prune = (now: number) => {
    // Both maps are in insertion order and TTLs are fixed, so expired entries sit at the front.
    for (const [guid, expiresAt] of guids) {
      if (expiresAt > now && guids.size <= maxEntries) break;
      guids.delete(guid);
    }
    for (const [key, expiries] of texts) {
      while (expiries.length > 0 && expiries[0]! <= now) expiries.shift();
      if (expiries.length > 0 && texts.size <= maxEntries) break;
      texts.delete(key);
    }
  };

  return {
    primeGuid(guid) {
      const now = clock.now();
      guids.delete(guid);
      guids.set(guid, now + guidTtlMs);
      prune(now);
    },
    primeText(chatKey, text) {
      const now = clock.now();
      const key = textKey(chatKey, text);
      const expiries = texts.get(key) ?? [];
      texts.delete(key);
      expiries.push(now + textWindowMs);
      texts.set(key, expiries);
      prune(now);
    },
    matches({ guid, chatKey, text }) {
      const now = clock.now();
      prune(now);
      let matched = false;
      if (guid !== undefined && guid !== "") {
        const expiresAt = guids.get(guid);
        matched = expiresAt !== undefined && expiresAt > now;
      }
      if (!matched && text !== undefined) {
        const expiries = texts.get(textKey(chatKey, text));
        const index = expiries?.findIndex((expiresAt) => expiresAt > now) ?? -1;
        if (expiries && index >= 0) {
          expiries.splice(index, 1);
          matched = true;
        }
      }
      if (matched) drops.increment("matched");
      return matched;
    },
    counters: () => ({ matched: drops.snapshot().matched ?? 0 }),
  };
}
