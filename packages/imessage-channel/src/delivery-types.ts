import type { Clock, Logger } from "@imgate/channel-core";
import type { EchoFilter } from "./echo-filter.ts";
import type { ImessageChannelError } from "./imessage-errors.ts";
import type { ImsgPort } from "./imsg-port.ts";
import type { DeliveryCapabilities } from "./imsg-port-from-client.ts";
import type { ResolvedImessageAccount } from "./resolve-accounts.ts";

/** One thing to deliver; shaped like channel-core's outbox entry. */
export interface DeliveryItem {
  /** The outbox idempotency key (also the source of the `send.tracked` attempt id). */
  idempotencyKey: string;
  /** Target string (`chat_id:42`, `imessage:+1555…`, …). */
  target: string;
  /** The chunk's text (may be empty when files are sent). */
  text: string;
  /** Local paths of files to send with this chunk. */
  media?: readonly string[];
  /** A tapback (`love`, `like`, `dislike`, `laugh`, `emphasize`, `question`) to put on `replyTo`, instead of a send. */
  reaction?: string;
  /** Guid of the message this item answers inline (threaded reply) or reacts to. */
  replyTo?: string;
}

/** The outcome of one delivery, ready to be written to the outbox. */
export type DeliveryOutcome =
  | { state: "sent"; resultId?: string; chatId?: number }
  | { state: "failed"; error: ImessageChannelError; retryable: boolean }
  | { state: "unknown"; error: ImessageChannelError; attemptId?: string }
  /** Not sent on purpose: imsg does not offer what the item needs (a tapback without the bridge). */
  | { state: "skipped"; reason: string };

/** An outbox entry to reconcile (channel-core `OutboxEntry` is assignable). */
export interface ReconcileItem extends DeliveryItem {
  /** Conversation key the entry was queued under (a chat id when known). */
  chatKey?: string;
  /** When the entry was created (ms); the history lookup ignores older rows. */
  createdAt: number;
}

/** Verdict for an uncertain entry; matches channel-core's `ReconcileVerdict`. */
export type DeliveryVerdict = "not_sent" | "unknown" | { state: "sent"; resultId?: string };

/** Uploads a local file to the remote Mac (remote-ssh `RemoteAttachments.stageUpload`). */
export type StageUpload = (localPath: string) => Promise<{ remotePath: string }>;

/** Options of {@link createImessageDelivery}. */
export interface DeliveryOptions {
  /** The account's send settings. */
  account: Pick<ResolvedImessageAccount, "accountId" | "service" | "region" | "mediaMaxMb">;
  port: ImsgPort;
  /** The account's echo filter, primed before every send. */
  echo: EchoFilter;
  logger: Logger;
  clock: Clock;
  /**
   * Whether `send.tracked` / `message.send_status` may be used (from imsg-rpc's capability detection).
   * Default: when the port has the method.
   */
  capabilities?: () => DeliveryCapabilities;
  /** Set for remote accounts: files are uploaded first and imsg gets the remote path. */
  stageUpload?: StageUpload;
  /** History rows read per reconciliation attempt. Default 50. */
  reconcileHistoryLimit?: number;
  /** Tolerated clock difference between this host and the Mac for the history lookup. Default 120 000 ms. */
  reconcileSkewMs?: number;
  /** Extra history reads, after these waits (ms), before a missing row counts as not sent. Default `[500, 1500]`. */
  reconcileRetryDelaysMs?: readonly number[];
  /** Sleep (injectable for tests). */
  delay?: (ms: number) => Promise<void>;
}

/** Delivery of one account. */
export interface ImessageDelivery {
  /** Sends one item, after every earlier item for the same target (FIFO per target). Never throws: the outcome says what happened. */
  deliver(item: DeliveryItem): Promise<DeliveryOutcome>;
  /**
   * Decides an uncertain item: `send_status` for tracked sends, else a history lookup in its chat.
   * Rejects when imsg cannot be asked (the item must then stay uncertain and be checked again later).
   */
  reconcile(item: ReconcileItem): Promise<DeliveryVerdict>;
  /** The chat id a target resolves to (for session keys: one session per conversation, Q13). */
  chatIdFor(target: string): Promise<number | undefined>;
}
