import {
  type Clock,
  chatCommandStep,
  chunkText,
  composeMiddleware,
  dedupeStep,
  type HistoryKeeperOptions,
  type Logger,
  type Middleware,
  mentionGateStep,
  pairingStep,
  policyStep,
  reactionStep,
  sessionQueueStep,
} from "@imgate/channel-core";
import {
  formatTarget,
  type ImsgMessage,
  type InboundProcessor,
  type ResolvedImessageAccount,
} from "@imgate/imessage-channel";
import type { WatchDelivery } from "@imgate/imsg-rpc";
import type { GatewayConfig } from "../config/gateway-config-schema.ts";
import type { AccountReadiness } from "../control-api/control-api-types.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { AgentRegistry } from "./agent-registry.ts";
import type { ChatCommandHandler } from "./chat-command-handler.ts";
import { chooseAnsweringAccount } from "./choose-answering-account.ts";
import type { CoreServices } from "./core-services.ts";
import type { ReplyEnqueuer } from "./enqueue-replies.ts";
import type { GatewayInboundContext } from "./gateway-inbound-context.ts";
import { historyLimitFor } from "./history-limit.ts";
import type { OutcomeCommitter } from "./outcome-committer.ts";
import type { SessionQueue, SessionSlot } from "./session-queue.ts";
import { staleGateStep } from "./stale-gate-step.ts";
import { createStaleMessageLog } from "./stale-message.ts";

const CHANNEL = "imessage";

/** The text that carries a pairing code to a stranger. */
export function pairingMessage(code: string): string {
  return `Hi! This number only answers approved contacts. Your pairing code is ${code}. Ask the owner to run: imgate pairing approve imessage ${code}`;
}

/** What the gateway's inbound pipeline needs (one watcher's). */
export interface InboundPipelineDeps {
  /** Every account served by the watcher (the owner first). */
  accounts: readonly ResolvedImessageAccount[];
  defaultAccountId: string;
  getConfig(): GatewayConfig;
  getAgents(): AgentRegistry;
  core: CoreServices;
  queue: SessionQueue;
  /** Guids with a turn queued or running (shared with the turn runner's resumed turns). */
  inFlightGuids: Set<string>;
  /** Answers control commands; without it, command-looking text goes to the agent. */
  chatCommands?: ChatCommandHandler;
  /** The answering account's status, for `/status`. */
  status(accountId: string): Promise<AccountReadiness | undefined>;
  /** The last step: runs the message's agent turn (turn-runner's `start`). */
  turn: Middleware<GatewayInboundContext>;
  logger: Logger;
  clock: Clock;
}

/**
 * The gateway's inbound pipeline, composed from channel-core's steps in DESIGN.md's order: dedupe →
 * policy (which also picks the answering account and its route: mention patterns belong to the routed
 * agent) → tapbacks (events, per reactionNotifications) → message age → pairing | mention gate → session
 * queue → chat commands → turn.
 */
export function composeInboundPipeline(deps: InboundPipelineDeps): Middleware<GatewayInboundContext> {
  const { core, logger, clock } = deps;
  const keeper: HistoryKeeperOptions<GatewayInboundContext> = {
    historyLimit: (ctx) => historyLimitFor(ctx.answering, ctx.envelope, ctx.agent),
  };
  const steps: Middleware<GatewayInboundContext>[] = [
    // One read: the mark, a queued reply or a stored turn (retried, or given up with nothing sent).
    dedupeStep({ dedupe: core.dedupe, inFlight: ({ envelope }) => deps.inFlightGuids.has(envelope.guid) }),
    policyStep({
      decide: async (ctx) => {
        const choice = await chooseAnsweringAccount({
          accounts: deps.accounts,
          envelope: ctx.envelope,
          config: deps.getConfig(),
          agents: deps.getAgents(),
          core,
          defaultAccountId: deps.defaultAccountId,
          logger,
        });
        ctx.answering = choice.account;
        ctx.agent = choice.agent;
        ctx.route = choice.route;
        return choice.decision;
      },
    }),
    // Tapbacks are events: strangers' never reach pairing, unwanted ones end here (reactionNotifications).
    reactionStep({ mode: (ctx) => ctx.answering.reactionNotifications }),
    staleGateStep({ staleLog: createStaleMessageLog(logger, () => clock.now()), keeper, clock }),
    pairingStep({
      pairing: core.pairing,
      channel: CHANNEL,
      message: pairingMessage,
      replyMode: (ctx) => ctx.answering.pairingReply,
      meta: (ctx) => ({ senderRaw: ctx.envelope.senderRaw, accountId: ctx.answering.accountId }),
      logger,
    }),
    mentionGateStep(keeper),
    sessionQueueStep<SessionSlot, GatewayInboundContext>({
      queue: deps.queue,
      inFlight: deps.inFlightGuids,
      logger,
    }),
  ];
  const commands = deps.chatCommands;
  if (commands) {
    steps.push(
      chatCommandStep({
        handle: async (ctx) => {
          const { route, decision } = ctx;
          // The session queue step ran before: the route is known.
          if (!route) throw new Error("chat commands: the message has no route");
          return commands.handle({
            text: ctx.envelope.text,
            account: ctx.answering,
            senderAuthorized: decision?.kind === "process" && decision.commandAuthorized,
            configAuthorized: decision?.kind === "process" && decision.configAuthorized,
            route,
            status: () => deps.status(ctx.answering.accountId),
          });
        },
        split: (ctx, text) =>
          chunkText(text, { limit: ctx.answering.textChunkLimit, mode: ctx.answering.chunkMode }),
        logger,
      }),
    );
  }
  steps.push(deps.turn);
  return composeMiddleware(steps);
}

/** Options of {@link createInboundDispatch}. */
export interface InboundDispatchOptions extends InboundPipelineDeps {
  /** The watcher's account: dedupe marks, replies and stored turns are recorded under it. */
  account: ResolvedImessageAccount;
  /** imsg message → envelope (echo filter, normalisation). */
  processor: InboundProcessor;
  committer: Pick<OutcomeCommitter, "startRow" | "finishRow">;
  replies: ReplyEnqueuer;
  metrics: GatewayMetrics;
  /** Notes the time of the latest inbound message (status). */
  noteInbound(at: number): void;
}

/** Hands each watch row to the inbound pipeline. */
export interface InboundDispatch {
  /** Handles one row; resolves when its pipeline returned (a turn keeps running in its session queue). */
  handle(message: ImsgMessage, delivery: WatchDelivery): Promise<void>;
}

/** Creates the {@link InboundDispatch} of one watcher. */
export function createInboundDispatch(options: InboundDispatchOptions): InboundDispatch {
  const { account, committer, metrics, clock } = options;
  const accountId = account.accountId;
  const pipeline = composeInboundPipeline(options);
  const count = (reason: string) => metrics.messagesDropped.inc({ account: accountId, reason });
  const drop = (rowid: number, reason: string) => {
    count(reason);
    committer.finishRow(rowid, () => {});
  };
  return {
    async handle(message, delivery) {
      const rowid = message.id;
      committer.startRow(rowid);
      metrics.messagesIn.inc({ account: accountId });
      const arrivedAt = clock.now();
      options.noteInbound(arrivedAt);
      const outcome = await options.processor.process(message);
      if (outcome.kind === "drop") return drop(rowid, outcome.reason);
      // A tapback goes through the pipeline as an event envelope (reactionStep decides whether it is wanted).
      const { envelope } = outcome;
      const target = formatTarget(outcome.replyTarget);
      const ctx: GatewayInboundContext = {
        envelope,
        accountId,
        arrivedAt,
        rowid,
        target,
        delivery,
        answering: account,
        agent: undefined,
        finish: (persist) => committer.finishRow(rowid, persist),
        drop: (reason) => drop(rowid, reason),
        count,
        reply: (writer, texts) => writer.enqueue(options.replies(envelope, target, texts)),
      };
      await pipeline(ctx, async () => {});
    },
  };
}
