import { tmpdir } from "node:os";
import {
  type Clock,
  type Guard,
  historyEntryOf,
  type Logger,
  type Middleware,
  type OutcomeWriter,
  resolveGroupSystemPrompt,
} from "@imgate/channel-core";
import type { ChatPresence, ResolvedImessageAccount } from "@imgate/imessage-channel";
import { abortableSleep } from "../agents/abortable-sleep.ts";
import { AgentError, upstreamDetail } from "../agents/agent-error.ts";
import { digestFiles } from "../agents/file-digest.ts";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import { describeAgentFailure, reportGivenUpTurn } from "./agent-failure-reply.ts";
import type { AgentRegistry } from "./agent-registry.ts";
import { shapeAnsweredReply } from "./answered-reply.ts";
import { ASSISTANT_ROLE, attachmentLocalPaths, buildAgentTurn } from "./build-agent-turn.ts";
import type { CoreServices } from "./core-services.ts";
import type { AttachmentMover } from "./create-attachment-mover.ts";
import type { ReplyEnqueuer } from "./enqueue-replies.ts";
import type { GatewayInboundContext } from "./gateway-inbound-context.ts";
import { historyLimitFor } from "./history-limit.ts";
import type { OutcomeCommitter } from "./outcome-committer.ts";
import { prepareReplyFiles } from "./prepare-reply-files.ts";
import { replyChunks } from "./reply-chunks.ts";
import { replyStagingDir } from "./reply-staging.ts";
import type { ReplyStormBrake } from "./reply-storm-brake.ts";
import type { SessionQueue, SessionSlot } from "./session-queue.ts";
import { pendingTurnDraft, type TurnJob, turnJobFromPending } from "./turn-job.ts";
import { driveTurn, type TurnGiveUpReason } from "./turn-retry.ts";
import { withTranscripts } from "./with-transcripts.ts";

/** What {@link createTurnRunner} needs from its account runtime. */
export interface TurnRunnerDeps {
  /** The watcher's (owning) account id: outbox, dedupe and pending turns are recorded under it. */
  accountId: string;
  /** The owning account, for a resumed turn whose answering account is gone. */
  account: ResolvedImessageAccount;
  /** Every account of the watcher. */
  accounts: readonly ResolvedImessageAccount[];
  core: CoreServices;
  metrics: GatewayMetrics;
  logger: Logger;
  clock: Clock;
  queue: SessionQueue;
  getConfig(): GatewayConfig;
  getAgents(): AgentRegistry;
  /** Aborted when in-flight agent calls must be abandoned (shutdown deadline). */
  abortSignal: AbortSignal;
  /** Aborted when intake stops: turns waiting for a retry stop waiting (they stay stored). */
  stopSignal: AbortSignal;
  /** Guids with a turn queued or running in this runtime (replays of them are dropped). */
  inFlightGuids: Set<string>;
  /** The group commit: outcomes are queued there, and a session's next turn waits for it. */
  committer: Pick<OutcomeCommitter, "finishRow" | "committed">;
  replies: ReplyEnqueuer;
  /** Fetches a remote account's attachments before the turn (absent for local accounts). */
  mover?: Pick<AttachmentMover, "fetchAll">;
  /** Wakes the delivery worker. */
  kick(): void;
  /** Read receipt and typing bubble of a turn fresh from the watch (absent: neither). */
  presence?: Pick<ChatPresence, "turnStarted">;
  /** Gateway state dir: inline files of rich replies are written under `<stateDir>/outbound/<account>/…`. */
  stateDir?: string;
  /** Spaces out the turns of a chat in a reply storm (`messages.stormTurnsPerMinute`). */
  storm?: ReplyStormBrake;
}

/** Runs agent turns durably: retries, give-ups, and the turns a previous run left pending. */
export interface TurnRunner {
  /** Runs a turn to its outcome and persists it (the reply, or the give-up with the failure reply). */
  run(job: TurnJob, slot: SessionSlot): Promise<void>;
  /** Queues the turns left pending by an earlier run behind their sessions (call before the watch starts). */
  resumePending(): Promise<void>;
  /** The pipeline's last step: builds the turn of a message the earlier steps handed on, and runs it. */
  start: Middleware<GatewayInboundContext>;
}

/**
 * Creates the {@link TurnRunner} of one account runtime. A turn is driven by `driveTurn` (retries with
 * backoff within `messages.agentRetryMs`); its first retryable failure stores it in `pending_turns` and
 * finishes its row in one commit, so the cursor moves on and a restart resumes it; a give-up sends
 * `messages.agentFailureReply` once. Never answered twice: a stored turn is answered by the one call that
 * removes it, any other by the inbound dedupe mark.
 */
export function createTurnRunner(deps: TurnRunnerDeps): TurnRunner {
  const { accountId, core, metrics, logger, clock } = deps;
  const pendingTurns = core.pendingTurns;

  /** Sets the message's dedupe mark; "changed" when it was not set yet (the message is new). */
  const firstSeen = (job: TurnJob): Guard => ({ kind: "firstSeen", accountId, guid: job.envelope.guid });

  /**
   * Goes on only if this turn's outcome is still owed (never answered twice): a stored turn is owed once,
   * by the commit that removes it; any other by the inbound dedupe mark, which this commit sets.
   */
  const claimOutcome = (writer: OutcomeWriter, job: TurnJob): void =>
    writer.onlyIf(
      ...(job.recorded
        ? [{ kind: "completePendingTurn", accountId, guid: job.envelope.guid } satisfies Guard]
        : []),
      firstSeen(job),
    );

  /**
   * Runs a turn to its outcome (driveTurn: retries with backoff within `messages.agentRetryMs`) and
   * persists it: the reply, or the give-up with `messages.agentFailureReply`. The first retryable failure
   * stores the turn and finishes its row in one commit, so the cursor moves on and a restart resumes it.
   */
  const driveJob = async (job: TurnJob, slot: SessionSlot): Promise<void> => {
    const { agentId, sessionKey } = job.route;
    const { envelope } = job;
    const agent = deps.getAgents().get(agentId);
    const config = deps.getConfig();
    const limit = historyLimitFor(job.answering, envelope, agent);
    /** Local paths of the answered reply's files, checked and staged before anything is queued. */
    let replyFiles: string[] = [];
    const stormDelay = deps.storm?.delayFor(job.target) ?? 0;
    if (stormDelay > 0) {
      try {
        // Waiting frees the concurrency slot: only this chat is slowed down.
        await slot.idle(abortableSleep(stormDelay, deps.stopSignal));
      } catch {
        logger.warn(
          { rowid: job.rowid, agentId },
          "agent turn interrupted by shutdown; it is resumed on the next start",
        );
        return;
      }
    }
    const outcome = agent
      ? await driveTurn({
          call: async () => {
            replyFiles = [];
            const started = performance.now();
            const reply = await agent.backend.reply(job.turn, { signal: deps.abortSignal });
            metrics.agentLatency.observe(
              { agent: agentId, backend: agent.backend.kind },
              (performance.now() - started) / 1000,
            );
            if (reply.files && reply.files.length > 0) {
              const backend = agent.config.backend;
              replyFiles = await prepareReplyFiles(reply.files, {
                mediaMaxMb: job.answering.mediaMaxMb,
                fileRoots: backend.type === "exec" ? backend.fileRoots : [],
                stagingDir: replyStagingDir(deps.stateDir ?? tmpdir(), accountId, envelope.guid),
                backend: agent.backend.kind,
              });
            }
            return reply;
          },
          arrivedAt: job.arrivedAt,
          retryMs: config.messages.agentRetryMs,
          attempts: job.attempts,
          ...(job.lastError !== undefined ? { lastError: job.lastError } : {}),
          ...(job.nextAttemptAt !== undefined ? { notBefore: job.nextAttemptAt } : {}),
          clock,
          stopSignal: deps.stopSignal,
          // Waiting for the next attempt frees the concurrency slot: other sessions are not held up.
          sleep: (ms, signal) => slot.idle(abortableSleep(ms, signal)),
          onFailure: (error, attempts) => {
            const code = error instanceof AgentError ? error.code : "AGENT_FAILED";
            metrics.agentErrors.inc({ agent: agentId, code });
            const upstream = upstreamDetail(error);
            logger.warn(
              {
                err: error,
                ...(upstream !== undefined ? { upstreamBody: upstream } : {}),
                agentId,
                rowid: job.rowid,
                attempts,
              },
              "agent failed",
            );
          },
          onRetryScheduled: ({ error, attempts, nextAttemptAt }) => {
            // Nobody is typing while the agent is down: the bubble goes until an answer is on its way.
            void job.presence?.stop();
            job.attempts = attempts;
            job.nextAttemptAt = nextAttemptAt;
            job.lastError = describeAgentFailure(error);
            metrics.agentTurnRetries.inc({ account: accountId, agent: agentId });
            logger.info(
              { agentId, sessionKey, attempts, nextAttemptAt: new Date(nextAttemptAt).toISOString() },
              "agent turn kept pending; retried with backoff",
            );
            if (!job.recorded) {
              job.recorded = true;
              const draft = pendingTurnDraft(accountId, job, clock);
              // Stored only by the commit that marks the message (not if a copy was handled already).
              deps.committer.finishRow(job.rowid, (writer) => {
                writer.onlyIf(firstSeen(job));
                writer.recordPendingTurn(draft);
              });
              job.rowid = undefined;
            } else {
              const update = { attempts, nextAttemptAt, lastError: job.lastError };
              deps.committer.finishRow(undefined, (writer) =>
                writer.recordAttempt(accountId, envelope.guid, update),
              );
            }
          },
        })
      : ({ kind: "given-up", reason: "non-retryable", error: `no agent "${agentId}"`, attempts: 0 } as const);

    switch (outcome.kind) {
      case "stopped":
        // Left as it is on purpose: a stored turn is resumed on the next start, an unstored one's row
        // stays unfinished (the cursor stays below it), so the next start replays it.
        logger.warn(
          { rowid: job.rowid, agentId, pending: job.recorded },
          "agent turn interrupted by shutdown; it is resumed on the next start",
        );
        return;
      case "given-up":
        giveUpJob(job, outcome.reason, outcome.error, outcome.attempts, limit);
        return deps.committer.committed();
      case "answered":
        break;
    }
    const { text, chunks, extras, answers } = shapeAnsweredReply(outcome.reply, {
      answering: job.answering,
      responsePrefix: config.messages.responsePrefix,
      identityName: agent?.config.identity?.name,
      files: replyFiles,
    });
    deps.committer.finishRow(job.rowid, (writer) => {
      claimOutcome(writer, job);
      writer.touchSession(sessionKey);
      writer.appendHistory(
        sessionKey,
        withTranscripts(historyEntryOf(envelope), outcome.reply.transcripts),
        limit,
      );
      if (chunks.length > 0) {
        writer.appendHistory(
          sessionKey,
          {
            sender: agentId,
            text,
            messageId: `reply:${envelope.messageId}`,
            timestamp: clock.now(),
            extra: { role: ASSISTANT_ROLE },
          },
          limit,
        );
      }
      if (answers) writer.enqueue(deps.replies(envelope, job.target, chunks, extras));
    });
    if (!answers) metrics.messagesDropped.inc({ account: accountId, reason: "empty-reply" });
    deps.kick();
    // The session's next turn must find this answer in the history it loads.
    await deps.committer.committed();
  };

  /** A turn given up: counted, logged with the upstream's error, and answered once with the failure reply. */
  const giveUpJob = (
    job: TurnJob,
    reason: TurnGiveUpReason,
    error: unknown,
    attempts: number,
    limit: number,
  ) => {
    const { envelope } = job;
    const failureReply = reportGivenUpTurn(
      {
        accountId,
        agentId: job.route.agentId,
        sessionKey: job.route.sessionKey,
        ...(job.rowid !== undefined ? { rowid: job.rowid } : {}),
        reason,
        error,
        attempts,
        failureReply: deps.getConfig().messages.agentFailureReply,
      },
      { logger, metrics },
    );
    const chunks = failureReply === undefined ? [] : replyChunks(failureReply, job.answering);
    job.attempts = attempts;
    const draft = pendingTurnDraft(accountId, job, clock);
    const recorded = job.recorded;
    deps.committer.finishRow(job.rowid, (writer) => {
      // Not stored: only the commit that marks the message gives it up (a copy handled already did).
      if (!recorded) writer.onlyIf(firstSeen(job));
      writer.onlyIf({
        kind: "giveUp",
        draft,
        outcome: { reason, error: describeAgentFailure(error) },
        onlyIfPending: recorded,
      });
      // The message stays in the session's history: the next turn sees what was asked.
      writer.appendHistory(job.route.sessionKey, historyEntryOf(envelope), limit);
      if (chunks.length > 0) writer.enqueue(deps.replies(envelope, job.target, chunks));
    });
    deps.kick();
  };

  /** Queues the turns left pending by an earlier run (or another watcher instance) behind their sessions. */
  const resumePending = async () => {
    let resumed = 0;
    for (const pending of await pendingTurns.listPending(accountId)) {
      if (deps.inFlightGuids.has(pending.guid)) continue;
      const job = turnJobFromPending(pending, deps.accounts, deps.account);
      deps.inFlightGuids.add(pending.guid);
      resumed += 1;
      void deps.queue
        .enqueue(pending.sessionKey, (slot) => driveJob(job, slot))
        .catch((error: unknown) => logger.error({ err: error, guid: pending.guid }, "resumed turn failed"))
        .finally(() => deps.inFlightGuids.delete(pending.guid));
    }
    if (resumed > 0) logger.info({ turns: resumed }, "resuming agent turns left pending by the last run");
  };

  /** Builds the turn of a message the pipeline handed on (history, fetched attachments) and runs it. */
  const start: Middleware<GatewayInboundContext> = async (ctx) => {
    const { envelope, route, slot, answering } = ctx;
    if (!route || !slot) throw new Error("turn: the message has no route or session slot");
    const { agentId, sessionKey } = route;
    const agent = deps.getAgents().get(agentId);
    if (!agent) {
      logger.error({ agentId }, "no such agent; the message is dropped");
      ctx.drop("no-agent");
      return;
    }
    if (envelope.reaction) {
      const { kind, added, target } = envelope.reaction;
      logger.info(
        { agentId, sessionKey, reaction: kind, added, targetGuid: target.id, targetFromMe: target.fromMe },
        "tapback handed to the agent as an event",
      );
    }
    // The accepted message is read now, and the bubble shows from here — before history, attachments and the
    // agent — until the turn ends (answered, given up, first retryable failure, or stopped by shutdown).
    const presence = deps.presence?.turnStarted(envelope, answering);
    try {
      // Earlier rows of the same batch (unmentioned group messages kept as history) are queued in the group
      // commit: the turn must see them, so it waits for that commit before loading the history.
      await deps.committer.committed();
      const [previous, history] = await Promise.all([
        core.sessions.getSession(sessionKey),
        core.history.load(sessionKey, historyLimitFor(answering, envelope, agent)),
      ]);
      const { mover } = deps;
      const fetchedPaths =
        mover && envelope.attachments.length > 0 ? await mover.fetchAll(envelope) : undefined;
      const where = {
        envelope,
        ...(fetchedPaths ? { fetchedPaths } : {}),
        attachmentsAreLocal: !mover || (envelope.attachments.length > 0 && fetchedPaths === undefined),
      };
      const digests = await digestFiles(attachmentLocalPaths(where).values());
      const turn = buildAgentTurn({
        ...where,
        agentId,
        sessionKey,
        history,
        previousActivityAt: previous?.updatedAt,
        wasMentioned: ctx.decision?.kind === "process" && ctx.decision.wasMentioned,
        digests,
        systemPrompt: resolveGroupSystemPrompt(answering.groups, envelope),
      });
      const job: TurnJob = {
        rowid: ctx.rowid,
        answering,
        envelope,
        target: ctx.target,
        route: { agentId, sessionKey },
        arrivedAt: ctx.arrivedAt,
        turn,
        attempts: 0,
        recorded: false,
        ...(presence ? { presence } : {}),
      };
      await driveJob(job, slot);
    } finally {
      await presence?.stop();
    }
  };

  return { run: driveJob, resumePending, start };
}
