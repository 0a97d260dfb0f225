/**
 * What a person sees in Messages while the agent works on their message: the read receipt and the typing
 * bubble, through imsg's bridge methods `read` and `typing` — only when imsg lists them as usable.
 */
import type { Envelope, Logger } from "@imgate/channel-core";
import { imessageChatRefsOf } from "./envelope-service.ts";
import type { ImsgPort } from "./imsg-port.ts";
import type { ResolvedImessageAccount } from "./resolve-accounts.ts";

/** Which bridge methods imsg lists as usable right now. */
export interface BridgeCapabilities {
  typing: boolean;
  read: boolean;
}

/** Options of {@link createChatPresence}. */
export interface ChatPresenceOptions {
  port: Pick<ImsgPort, "typing" | "markRead">;
  /** Read at each turn: imsg's usable methods change when it restarts (e.g. the bridge came up). */
  capabilities(): BridgeCapabilities;
  logger: Logger;
  /** How often the bubble is sent again while a turn runs (Messages lets it lapse). Default 20 000 ms. */
  refreshMs?: number;
}

/** The account settings presence follows. */
export type PresenceSettings = Pick<ResolvedImessageAccount, "sendReadReceipts" | "typingIndicator">;

/** The presence of one running turn. */
export interface TurnPresence {
  /** Clears the typing bubble (if one was shown) and stops refreshing it; safe to call more than once. */
  stop(): Promise<void>;
}

/** Read receipts and typing bubbles of one imsg transport. */
export interface ChatPresence {
  /** One info line (call when imsg is ready): whether typing bubbles and read receipts are on, and why not. */
  announce(settings: PresenceSettings): void;
  /**
   * An accepted message's turn starts: its chat is marked read (`sendReadReceipts`) and the typing bubble is
   * shown (`typingIndicator`: DMs, or groups too) until {@link TurnPresence.stop}. Event turns (tapbacks) get
   * neither. Failures are logged, never thrown: the turn goes on.
   */
  turnStarted(envelope: Envelope, settings: PresenceSettings): TurnPresence;
  /** Clears every bubble still shown (shutdown, before imsg stops). */
  stopAll(): Promise<void>;
}

const DEFAULT_REFRESH_MS = 20_000;
const NOTHING: TurnPresence = { stop: async () => {} };

/** Creates the {@link ChatPresence} of one imsg transport. */
export function createChatPresence(options: ChatPresenceOptions): ChatPresence {
  const { port, logger } = options;
  const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
  const warned = new Set<string>();
  const active = new Set<TurnPresence>();
  const failed = (method: string, chatId: number) => (error: unknown) => {
    // The first failure of each method is a warning (the bridge may have gone away); repeats are debug.
    const level = warned.has(method) ? "debug" : "warn";
    warned.add(method);
    logger[level]({ err: error, chatId }, `imessage: imsg ${method} failed; the turn goes on`);
  };

  return {
    announce(settings) {
      const caps = options.capabilities();
      const typing = caps.typing && settings.typingIndicator !== "off";
      const read = caps.read && settings.sendReadReceipts;
      const missing = [!caps.typing ? "typing" : "", !caps.read ? "read" : ""].filter(Boolean);
      logger.info(
        {
          typingIndicator: typing ? settings.typingIndicator : "off",
          sendReadReceipts: read,
          ...(missing.length > 0 ? { unusable: missing } : {}),
        },
        missing.length === 0
          ? "imessage: imsg's bridge is up: typing bubbles and read receipts follow typingIndicator and sendReadReceipts"
          : `imessage: imsg does not list ${missing.join(" or ")} as usable (its IMCore bridge is not running, or imsg predates 0.14); ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} never called`,
      );
    },

    turnStarted(envelope, settings) {
      const chatId = imessageChatRefsOf(envelope).chatId;
      if (chatId === undefined || envelope.reaction) return NOTHING;
      const caps = options.capabilities();
      if (caps.read && settings.sendReadReceipts && port.markRead) {
        port.markRead({ chat_id: chatId }).catch(failed("read", chatId));
      }
      const wanted =
        settings.typingIndicator === "all" ||
        (settings.typingIndicator === "dm" && envelope.chatType === "direct");
      const typing = port.typing;
      if (!caps.typing || !wanted || !typing) return NOTHING;
      const show = () => typing({ chat_id: chatId, typing: true }).catch(failed("typing", chatId));
      void show();
      const timer = setInterval(() => void show(), refreshMs);
      timer.unref?.();
      let stopped = false;
      const turn: TurnPresence = {
        async stop() {
          if (stopped) return;
          stopped = true;
          active.delete(turn);
          clearInterval(timer);
          await typing({ chat_id: chatId, typing: false }).catch(failed("typing", chatId));
        },
      };
      active.add(turn);
      return turn;
    },

    async stopAll() {
      await Promise.all([...active].map((turn) => turn.stop()));
    },
  };
}
