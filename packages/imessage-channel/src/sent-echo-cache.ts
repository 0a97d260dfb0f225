/**
 * The echo-cache contract the echo filter primes and consults. channel-core's `createEchoCache()`
 * satisfies it; the fallback here is used only when none is handed in.
 * TODO: use channel-core's createEchoCache as the default once its index exports it.
 */
import type { Clock } from "@imgate/channel-core";

/** channel-core's `EchoCache`, the part this package uses. */
export interface EchoCacheLike {
  primeGuid(guid: string): void;
  primeText(chatKey: string, text: string): void;
  matches(candidate: { guid?: string; chatKey: string; text?: string }): boolean;
}

const normalizeText = (text: string) => text.replace(/\r\n?/g, "\n").trim();

/** A minimal in-memory echo cache: guids for `guidTtlMs`, (chat, text) primes consumed once within `textWindowMs`. */
export function createSentEchoCache(options: {
  clock: Clock;
  textWindowMs: number;
  guidTtlMs?: number;
}): EchoCacheLike {
  const guidTtl = options.guidTtlMs ?? 10 * 60_000;
  const guids = new Map<string, number>();
  const texts = new Map<string, number[]>();
  const prune = (now: number) => {
    for (const [guid, expires] of guids) if (expires <= now) guids.delete(guid);
    for (const [key, list] of texts) {
      const alive = list.filter((expires) => expires > now);
      if (alive.length === 0) texts.delete(key);
      else texts.set(key, alive);
    }
  };
  return {
    primeGuid(guid) {
      guids.set(guid, options.clock.now() + guidTtl);
    },
    primeText(chatKey, text) {
      const key = `${chatKey}\u0000${normalizeText(text)}`;
      texts.set(key, [...(texts.get(key) ?? []), options.clock.now() + options.textWindowMs]);
    },
    matches({ guid, chatKey, text }) {
      const now = options.clock.now();
      prune(now);
      if (guid && guids.has(guid)) return true;
      if (text === undefined) return false;
      const list = texts.get(`${chatKey}\u0000${normalizeText(text)}`);
      if (!list || list.length === 0) return false;
      list.shift();
      return true;
    },
  };
}
