import {
  type Clock,
  chunkText,
  createOutbox,
  type Envelope,
  type HistoryEntry,
  type Logger,
  type OutboxEntry,
  replyIdempotencyKey,
} from "@imgate/channel-core";
import {
  createEchoFilter,
  createImessageDelivery,
  createInboundProcessor,
  formatTarget,
  type ImsgMessage,
  imsgPortFromClient,
  type ResolvedImessageAccount,
  sendCapabilitiesOf,
} from "@imgate/imessage-channel";
import {
  createImsgClient,
  type ImsgRpcStats,
  type ImsgWatch,
  type RestartOptions,
  type WatchDelivery,
} from "@imgate/imsg-rpc";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import type { AccountReadiness, SendResult } from "../control-api/control-api-types.ts";
import { logErrorFields } from "../logging/log-error-fields.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import { transportFix } from "../preflight/transport-fix.ts";
import { type AccountSendOptions, createAccountSender } from "./account-sender.ts";
import type { AgentRegistry, AgentRuntime } from "./agent-registry.ts";
import { buildAgentTurn } from "./build-agent-turn.ts";
import type { ChatCommandHandler } from "./chat-command-handler.ts";
import { chooseAnsweringAccount } from "./choose-answering-account.ts";
import type { CoreServices } from "./core-services.ts";
import { createAccountTransport } from "./create-account-transport.ts";
import { createAttachmentMover } from "./create-attachment-mover.ts";
import { type CursorTracker, createCursorTracker } from "./cursor-tracker.ts";
import { createDeliveryWorker } from "./delivery-worker.ts";
import { pendingTurnReport } from "./pending-turn-report.ts";
import type { SessionQueue, SessionSlot } from "./session-queue.ts";
import { createStaleMessageLog, staleReason } from "./stale-message.ts";
import { createTurnRunner } from "./turn-runner.ts";
import { giveUpUncertain, UNCERTAIN_ADVICE, uncertainEntries } from "./uncertain-delivery.ts";
import { applyWatchStart } from "./watch-start-cursor.ts";

const CHANNEL = "imessage";
/** How soon an outbox reconciliation that could not check every entry runs again. */
const RECONCILE_RETRY_MS = 1_000;

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
}

function pairingMessage(code: string): string {
  return `Hi! This number only answers approved contacts. Your pairing code is ${code}. Ask the owner to run: imgate pairing approve imessage ${code}`;
}

/** Creates the runtime of one watcher (one imsg transport and database). */
export function createAccountRuntime(options: AccountRuntimeOptions): AccountRuntime {
  const { account, core, metrics, clock, logger, queue } = options;
  const accountId = account.accountId;
  const source = account.sourceKey;
  const transport = createAccountTransport(account, { logger, env: options.env });
  const client = createImsgClient({
    transport: transport.transport,
    logger,
    clock,
    ...(options.restart ? { restart: options.restart } : {}),
  });
  const port = imsgPortFromClient(client);
  const mover = createAttachmentMover(account, transport, {
    stateDir: options.stateDir,
    logger,
    env: options.env,
  });
  // The echo memory is persisted so reflections that arrive after a restart are still caught (issue 10 item 5).
  const echo = createEchoFilter({ logger, clock, store: core.store, scope: accountId });
  const processor = createInboundProcessor({ account, port, echo, logger });
  const delivery = createImessageDelivery({
    account,
    port,
    echo,
    logger,
    clock,
    capabilities: sendCapabilitiesOf(client),
    ...(mover ? { stageUpload: (path: string) => mover.stageUpload(path) } : {}),
  });
  const outbox = createOutbox({ store: core.store });
  const staleLog = createStaleMessageLog(logger, () => clock.now());
  const inFlightGuids = new Set<string>();
  const pendingTurns = core.pendingTurns;
  /** Aborted when intake stops: turns waiting for a retry stop waiting (they stay pending in the store). */
  const intake = new AbortController();
  const sender = createAccountSender({
    account,
    port,
    outbox,
    transaction: (fn) => core.store.transaction(fn),
    chatIdFor: (target) => delivery.chatIdFor(target),
    kick: () => worker.kick(),
    clock,
  });
  let tracker: CursorTracker | undefined;
  let watch: ImsgWatch | undefined;
  let reconciled = false;
  let stopping = false;
  let reconciling = false;
  let lastInboundAt: number | undefined;
  let lastOutboundAt: number | undefined;
  let lastDeliveryError: string | undefined;

  const worker = createDeliveryWorker({
    outbox,
    accountId,
    deliver: (entry) => sender.observe(entry, delivery.deliver(entry)),
    canSend: () => reconciled && client.state.status === "ready",
    onSent: (entry) => {
      lastOutboundAt = clock.now();
      metrics.messagesOut.inc({ account: accountId });
      sender.settled(entry);
    },
    settleUnknown: (entry) => settleUnknown(entry),
    onError: (entry, message) => {
      lastDeliveryError = message;
      logger.warn({ outboxId: entry.id, target: entry.target, error: message }, "imessage: delivery failed");
      sender.settled(entry);
    },
    atomically: (fn) => core.store.transaction(fn),
    logger,
    clock,
  });

  /** Policy for an entry reconciliation cannot decide: given up (never resent), logged with the advice. */
  const giveUp = (entry: OutboxEntry) => {
    giveUpUncertain(outbox, entry);
    logger.error(
      { outboxId: entry.id, target: entry.target, error: entry.lastError },
      `outbox: a reply's delivery is uncertain: ${UNCERTAIN_ADVICE}`,
    );
  };

  /**
   * Decides an entry that just ended `unknown`, at once, so its chat does not wait behind it. When imsg
   * cannot be asked (typically it was the process that just died), the entry stays `unknown` and sending
   * pauses until a full reconciliation can check it: giving up there would drop a reply that never went out.
   */
  const settleUnknown = async (entry: OutboxEntry): Promise<"not_sent" | "settled"> => {
    const current = outbox.get(entry.id) ?? entry;
    let verdict: Awaited<ReturnType<typeof delivery.reconcile>>;
    try {
      verdict = await delivery.reconcile(current);
    } catch (error) {
      logger.warn(
        { err: error, outboxId: entry.id },
        "outbox: cannot check an uncertain send yet; will retry",
      );
      reconciled = false;
      scheduleReconcile();
      return "settled";
    }
    if (verdict === "not_sent") return "not_sent";
    if (typeof verdict === "object") outbox.markSent(entry.id, verdict.resultId);
    else giveUp(current);
    return "settled";
  };

  let reconcileTimer: NodeJS.Timeout | undefined;
  /** Runs {@link reconcile} again soon (also re-run by every transition of imsg to ready). */
  const scheduleReconcile = () => {
    if (reconcileTimer || stopping) return;
    reconcileTimer = setTimeout(() => {
      reconcileTimer = undefined;
      if (client.state.status === "ready") void reconcile();
    }, RECONCILE_RETRY_MS);
    reconcileTimer.unref();
  };

  const reconcile = async () => {
    if (reconciled || reconciling) return;
    reconciling = true;
    try {
      const report = await outbox.reconcile((entry) =>
        entry.accountId === accountId ? delivery.reconcile(entry) : "unknown",
      );
      for (const entry of report.unknown) if (entry.accountId === accountId) giveUp(entry);
      if (report.unchecked.some((entry) => entry.accountId === accountId)) {
        scheduleReconcile();
        return;
      }
      reconciled = true;
      worker.kick();
    } catch (error) {
      logger.error(
        logErrorFields(error),
        "outbox: reconciliation failed; will retry when imsg is ready again",
      );
      scheduleReconcile();
    } finally {
      reconciling = false;
    }
  };

  // The client reports several state changes per backoff (entering it, then the restart counter just
  // before the retry, still carrying the old nextRetryAt): count and log each backoff once.
  let backoffSeen: number | undefined;
  client.onStateChange((state) => {
    if (state.status === "ready") {
      void reconcile();
      worker.kick();
    } else if (state.status === "backoff" && state.lastError && state.nextRetryAt !== backoffSeen) {
      backoffSeen = state.nextRetryAt;
      metrics.restarts.inc({ account: accountId });
      logger.warn(
        {
          ...logErrorFields(state.lastError),
          failures: state.failures,
          nextRetryAt:
            state.nextRetryAt === undefined ? undefined : new Date(state.nextRetryAt).toISOString(),
        },
        "imsg transport failed; retrying with backoff",
      );
    }
  });

  /** Outcomes waiting for the next group commit. */
  let pendingRows: Array<{ rowid: number | undefined; persist: () => void }> = [];
  let groupCommit: NodeJS.Immediate | undefined;
  /** Callers of `committed()` waiting for the next group commit to end. */
  let commitWaiters: Array<() => void> = [];
  /** Set when a group commit failed: the cursor stays where it is, so everything after it replays. */
  let cursorHeld = false;

  /**
   * Commits every outcome finished in this event-loop turn in ONE transaction, with the cursor moved past
   * the rows whose outcomes it holds (a commit per message was most of the catch-up time: bench/catch-up.ts).
   * Each outcome runs in its own savepoint: one that fails is rolled back alone and its row is never
   * finished, so the cursor stays below it and the next start replays it. Delivery is kicked only after
   * the commit, so nothing is sent before its outbox row is durable; the first entry it will send is
   * claimed inside the commit (the worker's claimWithin), when the worker is idle.
   */
  const commitFinishedRows = () => {
    if (groupCommit) clearImmediate(groupCommit);
    groupCommit = undefined;
    const rows = pendingRows;
    pendingRows = [];
    const waiters = commitWaiters;
    commitWaiters = [];
    for (const resolve of waiters) queueMicrotask(resolve);
    if (rows.length === 0) return;
    let claim: OutboxEntry | undefined;
    try {
      core.store.transaction(() => {
        let moved: number | undefined;
        for (const { rowid, persist } of rows) {
          try {
            core.store.transaction(persist);
          } catch (error) {
            logger.error(
              { err: error, rowid },
              "could not persist an inbound outcome; it is replayed on the next start",
            );
            continue;
          }
          if (rowid !== undefined) moved = tracker?.finish(rowid) ?? moved;
        }
        if (moved !== undefined && !cursorHeld) core.cursors.commit(accountId, source, String(moved));
        // The next reply is claimed (`sending`) in this same commit: one commit fewer per message.
        claim = worker.claimWithin();
      });
    } catch (error) {
      if (claim) worker.forgetClaim(claim);
      cursorHeld = true;
      logger.error(
        { err: error, rows: rows.length },
        "could not commit inbound outcomes; the cursor is held and they are replayed on the next start",
      );
    }
    worker.kick();
  };

  /**
   * Queues a row's outcome for the group commit of this event-loop turn (see commitFinishedRows). Without
   * a `rowid` (a turn resumed from the state store, whose row is long finished) only `persist` runs.
   */
  const finishRow = (rowid: number | undefined, persist: () => void) => {
    pendingRows.push({ rowid, persist });
    groupCommit ??= setImmediate(commitFinishedRows);
  };

  /**
   * Resolves once the outcomes queued so far are committed (at once when none are): a session's next turn
   * starts after its previous turn's history is written, so it sees that answer.
   */
  const committed = (): Promise<void> =>
    pendingRows.length === 0 ? Promise.resolve() : new Promise((resolve) => commitWaiters.push(resolve));

  const drop = (rowid: number, reason: string) => {
    metrics.messagesDropped.inc({ account: accountId, reason });
    finishRow(rowid, () => {});
  };

  const historyLimitFor = (
    account: ResolvedImessageAccount,
    envelope: Envelope,
    agent: AgentRuntime | undefined,
  ): number => {
    if (envelope.chatType === "group") return account.historyLimit ?? agent?.groupHistoryLimit ?? 50;
    const dm = account.dms[envelope.sender] ?? account.dms[envelope.senderRaw];
    return dm?.historyLimit ?? account.dmHistoryLimit ?? 20;
  };

  const userEntry = (envelope: Envelope): HistoryEntry => {
    const entry: HistoryEntry = {
      sender: envelope.sender,
      text: envelope.text,
      messageId: envelope.messageId,
      timestamp: envelope.timestamp,
    };
    if (envelope.sender !== envelope.senderRaw)
      entry.senderLabel = `${envelope.sender} (${envelope.senderRaw})`;
    return entry;
  };

  const enqueueChunks = (envelope: Envelope, target: string, texts: readonly string[]): OutboxEntry[] =>
    texts.map(
      (text, index) =>
        outbox.enqueue({
          idempotencyKey: replyIdempotencyKey(envelope, index),
          channel: CHANNEL,
          accountId,
          chatKey: envelope.chatKey,
          target,
          text,
        }).entry,
    );

  const turns = createTurnRunner({
    accountId,
    account,
    accounts: options.accounts,
    core,
    metrics,
    logger,
    clock,
    queue,
    getConfig: options.getConfig,
    getAgents: options.getAgents,
    abortSignal: options.abortSignal,
    stopSignal: intake.signal,
    inFlightGuids,
    finishRow,
    committed,
    enqueueChunks,
    userEntry,
    historyLimitFor,
    kick: () => worker.kick(),
  });

  const runTurn = async (
    rowid: number,
    answering: ResolvedImessageAccount,
    envelope: Envelope,
    target: string,
    route: { agentId: string; sessionKey: string },
    wasMentioned: boolean,
    arrivedAt: number,
    slot: SessionSlot,
  ) => {
    const { agentId, sessionKey } = route;
    const agent = options.getAgents().get(agentId);
    const limit = historyLimitFor(answering, envelope, agent);
    if (!agent) {
      logger.error({ agentId }, "no such agent; the message is dropped");
      drop(rowid, "no-agent");
      return;
    }
    const previous = core.sessions.getSession(sessionKey);
    const history = core.history.load(sessionKey, limit);
    const fetchedPaths =
      mover && envelope.attachments.length > 0 ? await mover.fetchAll(envelope) : undefined;
    const turn = buildAgentTurn({
      envelope,
      agentId,
      sessionKey,
      history,
      previousActivityAt: previous?.updatedAt,
      wasMentioned,
      ...(fetchedPaths ? { fetchedPaths } : {}),
      attachmentsAreLocal: !mover || (envelope.attachments.length > 0 && fetchedPaths === undefined),
    });
    await turns.run(
      { rowid, answering, envelope, target, route, arrivedAt, turn, attempts: 0, recorded: false },
      slot,
    );
  };

  /**
   * A control command from a sender the policy marked `commandAuthorized`: answered by the gateway in the
   * same chat, through the outbox like any reply (chunked, once per message); never sent to the agent.
   */
  const runCommand = async (
    rowid: number,
    answering: ResolvedImessageAccount,
    envelope: Envelope,
    target: string,
    route: { agentId: string; sessionKey: string },
    authorization: { commandAuthorized: boolean; configAuthorized: boolean },
    wasMentioned: boolean,
    arrivedAt: number,
    slot: SessionSlot,
  ) => {
    const result = await options.chatCommands?.handle({
      text: envelope.text,
      account: answering,
      senderAuthorized: authorization.commandAuthorized,
      configAuthorized: authorization.configAuthorized,
      route,
      status: () => runtime.readiness().find((report) => report.accountId === answering.accountId),
    });
    if (!result) return runTurn(rowid, answering, envelope, target, route, wasMentioned, arrivedAt, slot);
    if (result.kind === "ignored") return drop(rowid, "control-command-unauthorized");
    const chunks = chunkText(result.text, { limit: answering.textChunkLimit, mode: answering.chunkMode });
    logger.info({ command: result.command, sessionKey: route.sessionKey }, "chat command answered");
    finishRow(rowid, () => {
      if (core.dedupe.seen(accountId, envelope.guid)) return;
      result.apply?.();
      enqueueChunks(envelope, target, chunks);
    });
    worker.kick();
  };

  const handleMessage = async (message: ImsgMessage, delivery: WatchDelivery): Promise<void> => {
    const rowid = message.id;
    // The watch reports its start (applyWatchStart) before any row; this only guards the invariant.
    tracker ??= createCursorTracker(rowid - 1);
    tracker.start(rowid);
    metrics.messagesIn.inc({ account: accountId });
    const arrivedAt = clock.now();
    lastInboundAt = arrivedAt;
    const outcome = await processor.process(message);
    if (outcome.kind === "drop") return drop(rowid, outcome.reason);
    if (outcome.kind === "reaction") return drop(rowid, "reaction");
    const { envelope } = outcome;
    const target = formatTarget(outcome.replyTarget);
    if (
      inFlightGuids.has(envelope.guid) ||
      outbox.hasKey(replyIdempotencyKey(envelope, 0)) ||
      // A turn already stored (retried, or given up with nothing sent) is not run again by a replay.
      pendingTurns.has(accountId, envelope.guid)
    ) {
      return drop(rowid, "duplicate");
    }
    const choice = chooseAnsweringAccount({
      accounts: options.accounts,
      envelope,
      config: options.getConfig(),
      agents: options.getAgents(),
      core,
      defaultAccountId: options.defaultAccountId,
      logger,
    });
    const { route, agent, decision } = choice;
    const answering = choice.account;
    const keepAsHistory = (reason: string) => {
      metrics.messagesDropped.inc({ account: accountId, reason });
      finishRow(rowid, () => {
        core.history.append(
          route.sessionKey,
          userEntry(envelope),
          historyLimitFor(answering, envelope, agent),
        );
      });
    };
    if (decision.kind === "process" || decision.kind === "pairing") {
      const stale = staleReason(envelope.timestamp, delivery, answering.maxMessageAge, clock.now());
      if (stale) {
        staleLog.record(stale, { rowid, sentAt: envelope.timestamp, chatKey: envelope.chatKey });
        // A stranger's old message is neither answered with a code nor kept: strangers get nothing.
        return decision.kind === "process" ? keepAsHistory(stale) : drop(rowid, stale);
      }
    }
    switch (decision.kind) {
      case "drop":
        return drop(rowid, decision.reason);
      case "history-only":
        return keepAsHistory("no-mention");
      case "pairing": {
        metrics.messagesDropped.inc({ account: accountId, reason: "pairing" });
        finishRow(rowid, () => {
          const result = core.pairing.request({
            channel: CHANNEL,
            sender: envelope.sender,
            meta: { senderRaw: envelope.senderRaw, accountId: answering.accountId },
            reply: answering.pairingReply,
          });
          if (result.action === "reply") enqueueChunks(envelope, target, [pairingMessage(result.code)]);
          else logger.info({ sender: envelope.sender, reason: result.reason }, "pairing: no reply sent");
        });
        worker.kick();
        return;
      }
      case "process": {
        // Control commands never reach the agent: an unauthorised one is dropped (the policy already drops
        // it in groups; in DMs a processed sender is authorised), an authorised one is answered here.
        const command = decision.isControlCommand && options.chatCommands !== undefined;
        if (command && !decision.commandAuthorized) return drop(rowid, "control-command-unauthorized");
        inFlightGuids.add(envelope.guid);
        void queue
          .enqueue(route.sessionKey, (slot) =>
            command
              ? runCommand(
                  rowid,
                  answering,
                  envelope,
                  target,
                  route,
                  decision,
                  decision.wasMentioned,
                  arrivedAt,
                  slot,
                )
              : runTurn(rowid, answering, envelope, target, route, decision.wasMentioned, arrivedAt, slot),
          )
          .catch((error: unknown) => logger.error({ err: error, rowid }, "turn failed"))
          .finally(() => inFlightGuids.delete(envelope.guid));
        return;
      }
    }
  };

  const stateOf = (): AccountReadiness["state"] => {
    switch (client.state.status) {
      case "ready":
        // Running means watching: until the subscription is confirmed, new messages could be missed.
        return watch?.subscription !== undefined ? "running" : "starting";
      case "backoff":
        return "backoff";
      case "stopped":
      case "failed":
        return "stopped";
      default:
        return "starting";
    }
  };

  const runtime: AccountRuntime = {
    accountIds: options.accounts.map((entry) => entry.accountId),
    start() {
      const since = core.cursors.get(accountId, source);
      client.start().catch((error: unknown) => {
        // A normal stop rejects start() too; only a client that gave up on its own is worth a line.
        if (!stopping) logger.error(logErrorFields(error), "imsg client stopped trying");
      });
      // Before the watch: later messages of a session queue behind its resumed turn (chat order).
      turns.resumePending();
      watch = client.watch(
        {
          ...(since !== undefined ? { sinceRowid: Number(since) } : {}),
          attachments: account.includeAttachments,
          onStart: (start) => {
            tracker = applyWatchStart(start, tracker, { cursors: core.cursors, accountId, source, logger });
          },
        },
        (message, delivery) => handleMessage(message, delivery),
      );
      logger.info(
        { transport: transport.kind, cliPath: account.cliPath, dbPath: account.dbPath, since },
        "account started",
      );
    },
    async stopIntake() {
      intake.abort();
      await watch?.close().catch(() => {});
      watch = undefined;
      commitFinishedRows();
    },
    async flush(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      commitFinishedRows();
      worker.kick();
      while (Date.now() < deadline && reconciled && client.state.status === "ready") {
        const pending = outbox
          .list(["queued", "sending"])
          .some((entry) => entry.accountId === accountId && (entry.notBefore ?? 0) <= clock.now());
        if (!pending) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      stopping = true;
      intake.abort();
      if (reconcileTimer) clearTimeout(reconcileTimer);
      await watch?.close().catch(() => {});
      watch = undefined;
      commitFinishedRows();
      await worker.stop();
      await client.stop().catch(() => {});
      await mover?.close();
      await transport.close().catch(() => {});
    },
    transportStats() {
      return client.stats();
    },
    readiness() {
      const state = client.state;
      const caps = state.capabilities;
      return options.accounts.map(({ accountId: id }) => {
        const report: AccountReadiness = {
          accountId: id,
          state: stateOf(),
          transport: transport.kind,
          restarts: state.restarts,
        };
        if (caps) {
          report.imsgVersion = caps.version;
          report.capabilities = [...caps.methods].sort();
        }
        if (lastInboundAt !== undefined) report.lastInboundAt = new Date(lastInboundAt).toISOString();
        if (lastOutboundAt !== undefined) report.lastOutboundAt = new Date(lastOutboundAt).toISOString();
        const lastError = state.lastError?.message ?? lastDeliveryError;
        if (lastError) report.lastError = lastError;
        if (state.nextRetryAt !== undefined) report.nextRetryAt = new Date(state.nextRetryAt).toISOString();
        if (state.status === "backoff") {
          const fix = transportFix(account, state.lastError, options.env);
          if (fix) report.fix = fix;
        }
        if (state.failures > 0) report.failures = state.failures;
        if (id === accountId) {
          Object.assign(report, pendingTurnReport(core.pendingTurns, accountId));
          const uncertain = uncertainEntries(outbox, accountId);
          if (uncertain.length > 0) {
            report.uncertainDeliveries = uncertain.length;
            report.uncertainAdvice = `${uncertain.length} reply(ies) ${UNCERTAIN_ADVICE} (outbox ids ${uncertain
              .slice(-5)
              .map((entry) => entry.id)
              .join(", ")})`;
          }
        }
        return report;
      });
    },
    send: (target, text, sendOptions) => sender.send(target, text, sendOptions),
  };
  return runtime;
}
