/**
 * Reply-storm brake (issue 15): a chat that drives more agent turns than `messages.stormTurnsPerMinute`
 * in a rolling minute — a group spamming the bot, or two bots answering each other — gets its further
 * turns spaced out to that rate. Each storm is logged once (and counted) when it starts, and once when
 * it is over. Nothing is dropped: a slowed turn still runs, later.
 */
import type { Clock, Logger } from "@imgate/channel-core";

const WINDOW_MS = 60_000;

/** Options of {@link createReplyStormBrake}. */
export interface ReplyStormBrakeOptions {
  /** Turns per rolling minute per chat (read for every turn, so a config reload applies); 0 = off. */
  turnsPerMinute(): number;
  /** A storm started in `chat`. */
  onStorm(chat: string): void;
  logger: Logger;
  clock: Clock;
}

/** Decides how long a chat's next turn waits. */
export interface ReplyStormBrake {
  /** Reserves the next turn of `chat` and returns how long it must wait first (ms, 0 = now). */
  delayFor(chat: string): number;
}

/** Creates the {@link ReplyStormBrake} of one account. */
export function createReplyStormBrake(options: ReplyStormBrakeOptions): ReplyStormBrake {
  const { clock, logger } = options;
  /** Start times (past, or reserved in the future) of each chat's turns in the last minute. */
  const starts = new Map<string, number[]>();
  const storming = new Set<string>();
  let lastSweep = clock.now();

  /** Forgets chats that were quiet for a whole window (bounded memory). */
  const sweep = (now: number) => {
    if (now - lastSweep < WINDOW_MS) return;
    lastSweep = now;
    for (const [chat, times] of starts) {
      if ((times.at(-1) ?? 0) <= now - WINDOW_MS) starts.delete(chat);
    }
  };

  return {
    delayFor(chat) {
      const limit = options.turnsPerMinute();
      const now = clock.now();
      sweep(now);
      if (limit <= 0) return 0;
      const times = (starts.get(chat) ?? []).filter((at) => at > now - WINDOW_MS);
      // The next slot: now, or once the turn `limit` places back has left the window.
      const slot =
        times.length < limit ? now : Math.max(now, (times[times.length - limit] ?? now) + WINDOW_MS);
      times.push(slot);
      starts.set(chat, times);
      const delay = slot - now;
      if (delay > 0 && !storming.has(chat)) {
        storming.add(chat);
        options.onStorm(chat);
        logger.warn(
          { chat, turnsPerMinute: limit, delayMs: delay },
          "reply storm: this chat drives more agent turns than messages.stormTurnsPerMinute; slowing it down",
        );
      } else if (delay === 0 && storming.delete(chat)) {
        logger.info({ chat }, "reply storm over");
      }
      return delay;
    },
  };
}
