import type { Clock, Logger } from "@imgate/channel-core";
import type { ResolvedImessageAccount } from "@imgate/imessage-channel";
import type { ImsgClient, ImsgWatch } from "@imgate/imsg-rpc";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { AccountHealth } from "./account-health.ts";
import { startDeafStreamWatchdog } from "./deaf-stream-watchdog.ts";
import type { SendGate } from "./send-gate.ts";

/** How often a paused account re-reads its switch (a CLI may flip it in the database directly). */
const PAUSE_RECHECK_MS = 2_000;

/** Options of {@link startAccountWatchdogs}. */
export interface AccountWatchdogsOptions {
  account: ResolvedImessageAccount;
  /** Probed with `messages.after` for rows the watch should have delivered. */
  client: ImsgClient;
  /** The account's live watch, if any. */
  watch(): ImsgWatch | undefined;
  /** The account's pause switch. */
  gate: Pick<SendGate, "paused">;
  /** Wakes the delivery worker (after a pause was lifted). */
  kick(): void;
  /** Told of every probe outcome (imsg not answering marks the account degraded). */
  health: Pick<AccountHealth, "probeSucceeded" | "probeFailed">;
  metrics: GatewayMetrics;
  logger: Logger;
  clock: Clock;
}

/** The background checks of one watcher. */
export interface AccountWatchdogs {
  /** How often the watch was found deaf and resubscribed. */
  deafStreamRecoveries(): number;
  stop(): void;
}

/**
 * Starts the background checks of one watcher: the deaf-stream watchdog (rows imsg has that the watch
 * never delivered resubscribe it) and the pause recheck (a pause lifted in the database wakes delivery).
 */
export function startAccountWatchdogs(options: AccountWatchdogsOptions): AccountWatchdogs {
  const { account, client, health, logger, clock } = options;
  const accountId = account.accountId;
  let deafStreams = 0;
  const watchdog = startDeafStreamWatchdog({
    watch: options.watch,
    async probe(rowid) {
      if (client.state.status !== "ready" || !client.capabilities?.messagesAfter) return null;
      const page = await client.messagesAfter({
        since_rowid: rowid,
        limit: 1,
        attachments: false,
      });
      return page.messages[0]?.id;
    },
    deafStreamMs: account.deafStreamMs,
    intervalMs: Math.min(15_000, Math.max(100, Math.floor(account.deafStreamMs / 4))),
    onDeaf: () => {
      deafStreams += 1;
      options.metrics.deafStreams.inc({ account: accountId });
    },
    onProbe: (result) => (result.ok ? health.probeSucceeded() : health.probeFailed(result.error)),
    logger,
    clock,
  });
  // A pause flipped in the database by a CLI that could not reach the control API is noticed here.
  let wasPaused = false;
  const pauseRecheck = setInterval(() => {
    const paused = options.gate.paused() !== undefined;
    if (wasPaused && !paused) options.kick();
    wasPaused = paused;
  }, PAUSE_RECHECK_MS);
  pauseRecheck.unref();
  return {
    deafStreamRecoveries: () => deafStreams,
    stop() {
      watchdog.stop();
      clearInterval(pauseRecheck);
    },
  };
}
