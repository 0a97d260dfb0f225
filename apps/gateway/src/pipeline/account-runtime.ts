import type { Clock, Logger } from "@imgate/channel-core";
import { createEchoFilter, type ResolvedImessageAccount } from "@imgate/imessage-channel";
import type { ImsgRpcStats, ImsgWatch, RestartOptions } from "@imgate/imsg-rpc";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import type { AccountReadiness, SendResult } from "../control-api/control-api-types.ts";
import type { LeaseView } from "../leases/lease-view.ts";
import { logErrorFields } from "../logging/log-error-fields.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import { transportFix } from "../preflight/transport-fix.ts";
import { connectAccount } from "./account-connection.ts";
import { createAccountHealth } from "./account-health.ts";
import { createAccountInbound } from "./account-inbound.ts";
import { createAccountOutbound } from "./account-outbound.ts";
import type { AccountSendOptions } from "./account-sender.ts";
import { createAccountStatus, keepStatusFresh } from "./account-status.ts";
import { type AccountWatchdogs, startAccountWatchdogs } from "./account-watchdogs.ts";
import type { AgentRegistry } from "./agent-registry.ts";
import type { ChatCommandHandler } from "./chat-command-handler.ts";
import type { CoreServices } from "./core-services.ts";
import { createOutcomeCommitter } from "./outcome-committer.ts";
import type { SessionQueue } from "./session-queue.ts";

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
  /** The account's lease when the state is shared (PostgreSQL): commits carry it, sends need it. */
  lease?: LeaseView;
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
  /** The accounts' reports; the state-store fields as of the last {@link AccountRuntime.refreshStatus}. */
  readiness(): AccountReadiness[];
  /** Reads the state-store fields of {@link AccountRuntime.readiness} afresh (also every few seconds). */
  refreshStatus(): Promise<void>;
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
  const echo = createEchoFilter({ logger, clock, rows: core.echo, scope: accountId });
  /** Aborted when intake stops: turns waiting for a retry stop waiting (they stay pending in the store). */
  const intake = new AbortController();
  let watch: ImsgWatch | undefined;
  let stopping = false;
  let watchdogs: AccountWatchdogs | undefined;
  const health = createAccountHealth({ logger, clock });

  const status = createAccountStatus({
    accountId,
    accountIds: options.accounts.map((entry) => entry.accountId),
    client,
    transportKind: transport.kind,
    watching: () => watch?.subscription !== undefined,
    outbox: core.outbox,
    pendingTurns: core.pendingTurns,
    fix: (lastError) => transportFix(account, lastError, options.env),
    gate: () => gate,
    health,
    deafStreamRecoveries: () => watchdogs?.deafStreamRecoveries() ?? 0,
    clock,
  });
  /** What the outbound and inbound halves of the account both use. */
  const parts = { ...options, client, port, echo, ...(mover ? { mover } : {}), outbox: core.outbox, status };
  const outbound = createAccountOutbound({ ...parts, health });
  const gate = outbound.gate;
  const committer = createOutcomeCommitter({
    backend: core.backend,
    accountId,
    source: account.sourceKey,
    worker: outbound.worker,
    logger,
    ...(options.lease ? { lease: options.lease.current } : {}),
  });
  const inbound = createAccountInbound({
    ...parts,
    committer,
    stopSignal: intake.signal,
    kick: () => outbound.worker.kick(),
  });
  watchdogs = startAccountWatchdogs({
    ...options,
    client,
    watch: () => watch,
    gate,
    kick: () => outbound.worker.kick(),
    health,
  });

  /** Reads the cursor and opens the watch (see start()); settles once the watch is open or it gave up. */
  let starting: Promise<void> = Promise.resolve();
  const freshStatus = keepStatusFresh(status, logger);

  const closeWatch = async () => {
    watchdogs?.stop();
    intake.abort();
    await starting;
    await watch?.close().catch(() => {});
    watch = undefined;
    await committer.commitNow();
  };

  const runtime: AccountRuntime = {
    accountIds: options.accounts.map((entry) => entry.accountId),
    start() {
      client.start().then(
        () => inbound.presence.announce(account),
        (error: unknown) => {
          // A normal stop rejects start() too; only a client that gave up on its own is worth a line.
          if (!stopping) logger.error(logErrorFields(error), "imsg client stopped trying");
        },
      );
      starting = (async () => {
        const since = await core.cursors.get(accountId, account.sourceKey);
        if (intake.signal.aborted) return;
        watch = await inbound.openWatch(since);
        logger.info(
          { transport: transport.kind, cliPath: account.cliPath, dbPath: account.dbPath, since },
          "account started",
        );
      })().catch((error: unknown) =>
        logger.error(
          logErrorFields(error),
          "account could not start watching (the state store is unreadable)",
        ),
      );
    },
    stopIntake: closeWatch,
    async flush(timeoutMs) {
      await committer.commitNow();
      await outbound.drain(timeoutMs);
    },
    async stop() {
      stopping = true;
      freshStatus.stop();
      outbound.reconciler.stop();
      await closeWatch();
      await outbound.worker.stop();
      // A turn abandoned at the shutdown deadline may still show its bubble: clear it while imsg runs.
      await inbound.presence.stopAll();
      await client.stop().catch(() => {});
      await mover?.close();
      await transport.close().catch(() => {});
    },
    transportStats: () => client.stats(),
    readiness: () => status.readiness(),
    refreshStatus: freshStatus.refresh,
    send: (target, text, sendOptions) => outbound.sender.send(target, text, sendOptions),
    wake: () => outbound.worker.kick(),
    activity: () => status.activity(),
  };
  return runtime;
}
