import { type Clock, createOutbox, type Logger } from "@imgate/channel-core";
import {
  bridgeCapabilitiesOf,
  createChatPresence,
  createEchoFilter,
  createInboundProcessor,
  type ResolvedImessageAccount,
} from "@imgate/imessage-channel";
import type { ImsgRpcStats, ImsgWatch, RestartOptions } from "@imgate/imsg-rpc";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import type { AccountReadiness, SendResult } from "../control-api/control-api-types.ts";
import { logErrorFields } from "../logging/log-error-fields.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import { transportFix } from "../preflight/transport-fix.ts";
import { connectAccount } from "./account-connection.ts";
import { createAccountHealth } from "./account-health.ts";
import { createAccountOutbound } from "./account-outbound.ts";
import type { AccountSendOptions } from "./account-sender.ts";
import { createAccountStatus } from "./account-status.ts";
import type { AgentRegistry } from "./agent-registry.ts";
import type { ChatCommandHandler } from "./chat-command-handler.ts";
import type { CoreServices } from "./core-services.ts";
import { startDeafStreamWatchdog } from "./deaf-stream-watchdog.ts";
import { createReplyEnqueuer } from "./enqueue-replies.ts";
import { createInboundDispatch } from "./inbound-dispatch.ts";
import { createOutcomeCommitter } from "./outcome-committer.ts";
import { createReplyStormBrake } from "./reply-storm-brake.ts";
import type { SendGate } from "./send-gate.ts";
import type { SessionQueue } from "./session-queue.ts";
import { createTurnRunner } from "./turn-runner.ts";

/** How often a paused account re-reads its switch (a CLI may flip it in the database directly). */
const PAUSE_RECHECK_MS = 2_000;

const CHANNEL = "imessage";

/** Options of {@link createAccountRuntime}. */
export interface AccountRuntimeOptions {
  /** The account that owns the watcher. */
  account: ResolvedImessageAccount;
  /** Every account served by this watcher (the owner first; others share its transport and database). */
  accounts: readonly ResolvedImessageAccount[];
  /** The default account id of the channel (bindings without `accountId` refer to it). */
  defaultAccountId: string;
  getConfig(): GatewayConfig;
  getAgents(): AgentRegistry;
  core: CoreServices;
  queue: SessionQueue;
  metrics: GatewayMetrics;
  logger: Logger;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  /** Gateway state dir: fetched attachments of remote accounts land in `<stateDir>/media/<account>/…`. */
  stateDir: string;
  /** Aborted when in-flight agent calls must be abandoned (shutdown deadline). */
  abortSignal: AbortSignal;
  /** imsg restart policy (tests shorten it; the first retry is never under 1 s by default). */
  restart?: RestartOptions;
  /** Answers authorised control commands (`/config`, `/status`, `/reset`, `/help`) instead of the agent. */
  chatCommands?: ChatCommandHandler;
}

/** One running watcher with its pipeline, delivery and status. */
export interface AccountRuntime {
  readonly accountIds: readonly string[];
  start(): void;
  /** Stops taking new messages (closes the watch). */
  stopIntake(): Promise<void>;
  /**
   * Waits until the account's outbox has nothing queued or sending (or `timeoutMs` passed, or sending is
   * impossible right now); whatever is left stays in the outbox and goes out on the next start.
   */
  flush(timeoutMs: number): Promise<void>;
  /** Stops everything: intake, delivery, imsg, SSH. */
  stop(): Promise<void>;
  readiness(): AccountReadiness[];
  /** imsg-rpc's counters for this transport (lines dropped by reason, validation errors, …). */
  transportStats(): ImsgRpcStats;
  /**
   * Sends `text` (and an optional local `file`, attached to the first chunk) to `target` through the
   * outbox (chunked), after checking the target; waits up to `waitMs` for the outcome (see account-sender.ts).
   */
  send(target: string, text: string, options?: AccountSendOptions): Promise<SendResult>;
  /** Wakes the delivery worker (after a resume). */
  wake(): void;
  /** Clock times of the last inbound message and the last delivered one. */
  activity(): { lastInboundAt: number | undefined; lastOutboundAt: number | undefined };
}

/** Creates the runtime of one watcher (one imsg transport and database): composition only. */
export function createAccountRuntime(options: AccountRuntimeOptions): AccountRuntime {
  const { account, core, clock, logger } = options;
  const accountId = account.accountId;
  const { transport, client, port, mover } = connectAccount(account, options);
  // The echo memory is persisted so reflections that arrive after a restart are still caught (issue 10 item 5).
  const echo = createEchoFilter({ logger, clock, store: core.store, scope: accountId });
  const outbox = createOutbox({ store: core.store });
  const inFlightGuids = new Set<string>();
  /** Aborted when intake stops: turns waiting for a retry stop waiting (they stay pending in the store). */
  const intake = new AbortController();
  let watch: ImsgWatch | undefined;
  let stopping = false;
  let gate: SendGate | undefined;
  let deafStreams = 0;
  const health = createAccountHealth({ logger, clock });

  const status = createAccountStatus({
    accountId,
    accountIds: options.accounts.map((entry) => entry.accountId),
    client,
    transportKind: transport.kind,
    watching: () => watch?.subscription !== undefined,
    outbox,
    pendingTurns: core.pendingTurns,
    fix: (lastError) => transportFix(account, lastError, options.env),
    gate: () => gate,
    health,
    deafStreamRecoveries: () => deafStreams,
    clock,
  });
  const outbound = createAccountOutbound({
    ...options,
    client,
    port,
    echo,
    ...(mover ? { mover } : {}),
    outbox,
    status,
    health,
  });
  gate = outbound.gate;
  const committer = createOutcomeCommitter({
    store: core.store,
    cursors: core.cursors,
    accountId,
    source: account.sourceKey,
    worker: outbound.worker,
    logger,
  });
  const replies = createReplyEnqueuer(outbox, CHANNEL, accountId);
  // Typing bubbles and read receipts, only where imsg lists `typing`/`read` as usable (its bridge runs).
  const presence = createChatPresence({ port, capabilities: bridgeCapabilitiesOf(client), logger });
  const turns = createTurnRunner({
    presence,
    ...options,
    accountId,
    stopSignal: intake.signal,
    inFlightGuids,
    committer,
    replies,
    ...(mover ? { mover } : {}),
    kick: () => outbound.worker.kick(),
    storm: createReplyStormBrake({
      turnsPerMinute: () => options.getConfig().messages.stormTurnsPerMinute,
      onStorm: () => options.metrics.replyStorms.inc({ account: accountId }),
      logger,
      clock,
    }),
  });
  const dispatch = createInboundDispatch({
    ...options,
    outbox,
    inFlightGuids,
    status: (id) => status.readiness().find((report) => report.accountId === id),
    turn: turns.start,
    processor: createInboundProcessor({ account, port, echo, logger }),
    committer,
    replies,
    noteInbound: (at) => status.noteInbound(at),
  });

  const watchdog = startDeafStreamWatchdog({
    watch: () => watch,
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
    const paused = outbound.gate.paused() !== undefined;
    if (wasPaused && !paused) outbound.worker.kick();
    wasPaused = paused;
  }, PAUSE_RECHECK_MS);
  pauseRecheck.unref();

  const closeWatch = async () => {
    watchdog.stop();
    clearInterval(pauseRecheck);
    intake.abort();
    await watch?.close().catch(() => {});
    watch = undefined;
    committer.commitNow();
  };

  const runtime: AccountRuntime = {
    accountIds: options.accounts.map((entry) => entry.accountId),
    start() {
      const since = core.cursors.get(accountId, account.sourceKey);
      client.start().then(
        () => presence.announce(account),
        (error: unknown) => {
          // A normal stop rejects start() too; only a client that gave up on its own is worth a line.
          if (!stopping) logger.error(logErrorFields(error), "imsg client stopped trying");
        },
      );
      // Before the watch: later messages of a session queue behind its resumed turn (chat order).
      turns.resumePending();
      watch = client.watch(
        {
          ...(since !== undefined ? { sinceRowid: Number(since) } : {}),
          attachments: account.includeAttachments,
          // Tapbacks arrive as reaction rows (events); a short debounce makes the typing bubble prompt.
          includeReactions: true,
          debounceMs: account.watchDebounceMs,
          convertAttachments: account.includeAttachments,
          onStart: (start) => committer.watchStarted(start),
        },
        (message, delivery) => dispatch.handle(message, delivery),
      );
      logger.info(
        { transport: transport.kind, cliPath: account.cliPath, dbPath: account.dbPath, since },
        "account started",
      );
    },
    stopIntake: closeWatch,
    async flush(timeoutMs) {
      committer.commitNow();
      await outbound.drain(timeoutMs);
    },
    async stop() {
      stopping = true;
      outbound.reconciler.stop();
      await closeWatch();
      await outbound.worker.stop();
      // A turn abandoned at the shutdown deadline may still show its bubble: clear it while imsg runs.
      await presence.stopAll();
      await client.stop().catch(() => {});
      await mover?.close();
      await transport.close().catch(() => {});
    },
    transportStats: () => client.stats(),
    readiness: () => status.readiness(),
    send: (target, text, sendOptions) => outbound.sender.send(target, text, sendOptions),
    wake: () => outbound.worker.kick(),
    activity: () => status.activity(),
  };
  return runtime;
}
