import {
  type AsyncOutbox,
  type Clock,
  type Logger,
  type OutboxEntry,
  recordOutcome,
} from "@imgate/channel-core";
import {
  createImessageDelivery,
  type EchoFilter,
  type ImessageDelivery,
  type ImsgPort,
  type ResolvedImessageAccount,
  sendCapabilitiesOf,
} from "@imgate/imessage-channel";
import type { ImsgClient } from "@imgate/imsg-rpc";
import type { LeaseView } from "../leases/lease-view.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import { type AccountSender, createAccountSender } from "./account-sender.ts";
import type { AccountStatus } from "./account-status.ts";
import type { CoreServices } from "./core-services.ts";
import type { AttachmentMover } from "./create-attachment-mover.ts";
import { createDeliveryWorker, type DeliveryWorker } from "./delivery-worker.ts";
import { followTransportState } from "./follow-transport-state.ts";
import { createOutboxReconciler, type OutboxReconciler } from "./outbox-reconciler.ts";
import { removeStagedFiles } from "./reply-staging.ts";
import { createSendGate, type SendGate } from "./send-gate.ts";

/** Options of {@link createAccountOutbound}. */
export interface AccountOutboundOptions {
  account: ResolvedImessageAccount;
  client: ImsgClient;
  port: ImsgPort;
  echo: EchoFilter;
  /** Stages outbound files on a remote Mac (absent for local accounts). */
  mover?: Pick<AttachmentMover, "stageUpload">;
  core: CoreServices;
  /** The account's outbox (shared with the inbound side, which queues replies into it). */
  outbox: AsyncOutbox;
  metrics: GatewayMetrics;
  status: Pick<AccountStatus, "noteOutbound" | "noteDeliveryError">;
  /** Told of every delivery outcome: consecutive failures mark the account degraded. */
  health?: { deliveryFailed(message: string): void; deliverySucceeded(): void };
  logger: Logger;
  clock: Clock;
  /** Gateway state dir: staged inline files of rich replies are removed once their entry is sent. */
  stateDir?: string;
  /** The account's lease when the state is shared: nothing is sent while this gateway does not hold it. */
  lease?: LeaseView;
}

/** The outbound side of one watcher: outbox, delivery, its worker, reconciliation and operator sends. */
export interface AccountOutbound {
  delivery: ImessageDelivery;
  worker: DeliveryWorker;
  reconciler: OutboxReconciler;
  sender: AccountSender;
  /** Pause switch and outbound limits of the account. */
  gate: SendGate;
  /**
   * Waits until the account's outbox has nothing due queued or sending, or `timeoutMs` passed, or sending
   * is impossible right now (imsg not ready, outbox not reconciled).
   */
  drain(timeoutMs: number): Promise<void>;
}

/** How often {@link AccountOutbound.drain} looks at the outbox. */
const DRAIN_POLL_MS = 50;

/**
 * Wires the outbound side of one watcher: the delivery worker sends only after the outbox was reconciled
 * and while imsg is ready; every transition to ready reconciles again and wakes it.
 */
export function createAccountOutbound(options: AccountOutboundOptions): AccountOutbound {
  const { account, client, core, metrics, status, logger, clock, mover } = options;
  const accountId = account.accountId;
  const delivery = createImessageDelivery({
    account,
    port: options.port,
    echo: options.echo,
    logger,
    clock,
    capabilities: sendCapabilitiesOf(client),
    ...(mover ? { stageUpload: (path: string) => mover.stageUpload(path) } : {}),
  });
  const { outbox } = options;
  // Limits may have changed since these were held (a restart, a config reload): judge them afresh.
  const holdsReleased = outbox
    .releaseHolds(accountId)
    .then(() => undefined)
    .catch((error: unknown) => logger.warn({ err: error }, "outbox: could not release held entries"));
  const isReady = () => client.state.status === "ready";
  /** Known contacts (they wrote to the account), by chat key: the answer never changes back. */
  const knownContacts = new Set<string>();
  const gate = createSendGate({
    accountId,
    limits: account.limits,
    pauses: core.pauses,
    sendLog: core.sendLog,
    async hasWrittenToUs(entry) {
      if (knownContacts.has(entry.chatKey)) return true;
      const chatId = /^\d+$/.test(entry.chatKey)
        ? Number(entry.chatKey)
        : await delivery.chatIdFor(entry.target);
      if (chatId === undefined) return false;
      // A run of 100 unanswered messages is itself what gets a line reported; past that it counts as new.
      const messages = await options.port.history({ chat_id: chatId, limit: 100 });
      const known = messages.some((message) => !message.is_from_me);
      if (known) knownContacts.add(entry.chatKey);
      return known;
    },
    onHold: (reason) => metrics.outboundHolds.inc({ account: accountId, reason }),
    logger,
    clock,
  });
  const reconciler = createOutboxReconciler({
    outbox,
    accountId,
    delivery,
    isReady,
    kick: () => worker.kick(),
    logger,
  });
  const worker = createDeliveryWorker({
    outbox,
    accountId,
    deliver: (entry) => sender.observe(entry, delivery.deliver(entry)),
    // On a shared database only the lease holder sends (checked again right before each send).
    canSend: () => reconciler.reconciled && isReady() && (options.lease?.serving() ?? true),
    accountHold: () => gate.accountHold(),
    admit: (entry) => gate.admit(entry),
    recordSent: (entry) => gate.recordSent(entry),
    onSent: (entry) => {
      status.noteOutbound(clock.now());
      options.health?.deliverySucceeded();
      metrics.messagesOut.inc({ account: accountId });
      sender.settled(entry);
      if (options.stateDir && entry.media) void removeStagedFiles(entry, options.stateDir, logger);
    },
    onSkipped: (entry) => sender.settled(entry),
    settleUnknown: (entry) => reconciler.settleUnknown(entry),
    onError: (entry, message) => {
      status.noteDeliveryError(message);
      options.health?.deliveryFailed(message);
      logger.warn({ outboxId: entry.id, target: entry.target, error: message }, "imessage: delivery failed");
      sender.settled(entry);
    },
    logger,
    clock,
  });
  const sender = createAccountSender({
    account,
    port: options.port,
    outbox,
    async enqueueAll(drafts) {
      // One outcome of its own: every chunk is queued, or none.
      const lease = options.lease?.current();
      const result = await core.backend.commitOutcomes({
        accountId,
        ...(lease ? { lease } : {}),
        outcomes: [{ rowid: undefined, ops: recordOutcome((writer) => writer.enqueue(drafts)) }],
      });
      if (result.failed.length > 0)
        throw new Error("The outbox could not queue the message; see the gateway log.");
      const entries = await Promise.all(drafts.map((draft) => outbox.getByKey(draft.idempotencyKey)));
      return entries.filter((entry): entry is OutboxEntry => entry !== undefined);
    },
    chatIdFor: (target) => delivery.chatIdFor(target),
    kick: () => worker.kick(),
    accountHold: () => gate.accountHold(),
    clock,
  });
  followTransportState(client, {
    accountId,
    metrics,
    logger,
    onReady: () => {
      void holdsReleased.then(() => reconciler.reconcile());
      worker.kick();
    },
  });
  const drain = async (timeoutMs: number) => {
    const deadline = clock.now() + timeoutMs;
    worker.kick();
    while (clock.now() < deadline && reconciler.reconciled && isReady() && !(await gate.paused())) {
      const pending = (await outbox.list(["queued", "sending"])).some(
        (entry) => entry.accountId === accountId && (entry.notBefore ?? 0) <= clock.now(),
      );
      if (!pending) return;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  };
  return { delivery, worker, reconciler, sender, gate, drain };
}
