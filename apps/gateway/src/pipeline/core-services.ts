import {
  type AccessPolicy,
  type AsyncCursors,
  type AsyncDedupe,
  type AsyncEchoRows,
  type AsyncHistory,
  type AsyncOutbox,
  type AsyncPairing,
  type AsyncPauses,
  type AsyncPendingTurns,
  type AsyncSendLog,
  type AsyncSessions,
  createAccessPolicy,
  type Logger,
  type SqliteBackendOptions,
  type StateBackend,
} from "@imgate/channel-core";
import { imessageChatRefsOf, matchesAllowEntry } from "@imgate/imessage-channel";

/** Sessions whose recent history stays in memory (a few KiB each at the default limits). */
export const HISTORY_CACHE_SESSIONS = 256;

/**
 * The channel-core services every account shares: the parts of one {@link StateBackend} (SQLite or
 * PostgreSQL), all asynchronous. The pipeline reads and writes state only through these; the group commit
 * goes through `backend.commitOutcomes`.
 */
export interface CoreServices {
  backend: StateBackend;
  dedupe: AsyncDedupe;
  history: AsyncHistory;
  sessions: AsyncSessions;
  pairing: AsyncPairing;
  cursors: AsyncCursors;
  outbox: AsyncOutbox;
  /** The echo memory's rows, behind each account's in-memory echo cache. */
  echo: AsyncEchoRows;
  /** Agent turns that failed and are retried (or were given up), per account. */
  pendingTurns: AsyncPendingTurns;
  /** Pause switches of outbound sending (issue 15), shared with the CLI. */
  pauses: AsyncPauses;
  /** Delivered chunks, for the outbound budgets (`channels.imessage.limits`). */
  sendLog: AsyncSendLog;
  /** Access policy; allowlist entries are matched the iMessage way (handles normalised with `region`). */
  policyFor(region: string): AccessPolicy;
}

/** The pairing settings of the state backend ({@link sqliteBackendOptionsOf}). */
export interface CoreServicesOptions {
  /** How long a pairing code stays valid (`gateway.pairingExpiryMs`); default one hour. */
  pairingExpiryMs?: number;
  /** How long a rejected sender gets no new code (`channels.imessage.pairingRejectCooldownMs`); default 24 h. */
  pairingRejectCooldownMs?: number;
}

/** The SQLite backend's options for the gateway: the pairing settings, and the history cache. */
export function sqliteBackendOptionsOf(options: CoreServicesOptions = {}): SqliteBackendOptions {
  return {
    pairing: {
      ...(options.pairingExpiryMs !== undefined ? { expiryMs: options.pairingExpiryMs } : {}),
      ...(options.pairingRejectCooldownMs !== undefined
        ? { rejectCooldownMs: options.pairingRejectCooldownMs }
        : {}),
    },
    // Each turn loads its session's history; the cache skips decoding the rows (bench/catch-up.ts).
    historyCacheSessions: HISTORY_CACHE_SESSIONS,
  };
}

/** Creates the shared services over an open state backend (its pairing options are the backend's). */
export function createCoreServices(backend: StateBackend, logger: Logger): CoreServices {
  const policies = new Map<string, AccessPolicy>();
  return {
    backend,
    dedupe: backend.dedupe,
    history: backend.history,
    sessions: backend.sessions,
    pairing: backend.pairing,
    cursors: backend.cursors,
    outbox: backend.outbox,
    echo: backend.echo,
    pendingTurns: backend.pendingTurns,
    pauses: backend.pauses,
    sendLog: backend.sendLog,
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
