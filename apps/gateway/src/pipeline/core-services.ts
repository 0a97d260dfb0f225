import {
  type AccessPolicy,
  type CursorStore,
  createAccessPolicy,
  createCursorStore,
  createHistoryStore,
  createInboundDedupe,
  createPairingService,
  createPauseStore,
  createPendingTurnStore,
  createSendLog,
  createSessionStore,
  type HistoryStore,
  type InboundDedupe,
  type Logger,
  type PairingService,
  type PauseStore,
  type PendingTurnStore,
  type SendLog,
  type SessionStore,
  type StateStore,
} from "@imgate/channel-core";
import { imessageChatRefsOf, matchesAllowEntry } from "@imgate/imessage-channel";

/** Sessions whose recent history stays in memory (a few KiB each at the default limits). */
const HISTORY_CACHE_SESSIONS = 256;

/** The channel-core services every account shares, all over one state store. */
export interface CoreServices {
  store: StateStore;
  dedupe: InboundDedupe;
  history: HistoryStore;
  sessions: SessionStore;
  pairing: PairingService;
  cursors: CursorStore;
  /** Agent turns that failed and are retried (or were given up), per account. */
  pendingTurns: PendingTurnStore;
  /** Pause switches of outbound sending (issue 15), shared with the CLI. */
  pauses: PauseStore;
  /** Delivered chunks, for the outbound budgets (`channels.imessage.limits`). */
  sendLog: SendLog;
  /** Access policy; allowlist entries are matched the iMessage way (handles normalised with `region`). */
  policyFor(region: string): AccessPolicy;
}

/** Options of {@link createCoreServices}. */
export interface CoreServicesOptions {
  /** How long a pairing code stays valid (`gateway.pairingExpiryMs`); default one hour. */
  pairingExpiryMs?: number;
  /** How long a rejected sender gets no new code (`channels.imessage.pairingRejectCooldownMs`); default 24 h. */
  pairingRejectCooldownMs?: number;
}

/** Creates the shared services over an open state store. */
export function createCoreServices(
  store: StateStore,
  logger: Logger,
  options: CoreServicesOptions = {},
): CoreServices {
  const policies = new Map<string, AccessPolicy>();
  return {
    store,
    dedupe: createInboundDedupe({ store }),
    // Each turn loads its session's history; the cache skips decoding the rows (bench/catch-up.ts).
    history: createHistoryStore(store, { cacheSessions: HISTORY_CACHE_SESSIONS }),
    sessions: createSessionStore(store),
    pairing: createPairingService({
      store,
      ...(options.pairingExpiryMs !== undefined ? { expiryMs: options.pairingExpiryMs } : {}),
      ...(options.pairingRejectCooldownMs !== undefined
        ? { rejectCooldownMs: options.pairingRejectCooldownMs }
        : {}),
    }),
    cursors: createCursorStore(store),
    pendingTurns: createPendingTurnStore(store),
    pauses: createPauseStore({ store }),
    sendLog: createSendLog({ store }),
    policyFor(region) {
      let policy = policies.get(region);
      if (!policy) {
        policy = createAccessPolicy({
          logger,
          matchAllowEntry: (entry, envelope) => {
            const { service, chatId, chatGuid, chatIdentifier } = imessageChatRefsOf(envelope);
            // Chat entries admit their conversation, in DMs too (the original docs' own `chat_id:N` example).
            return (
              matchesAllowEntry(
                entry,
                {
                  sender: envelope.senderRaw,
                  service,
                  ...(chatId !== undefined ? { chatId } : {}),
                  ...(chatGuid ? { chatGuid } : {}),
                  ...(chatIdentifier ? { chatIdentifier } : {}),
                },
                { region },
              ) !== undefined
            );
          },
        });
        policies.set(region, policy);
      }
      return policy;
    },
  };
}
