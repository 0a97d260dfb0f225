/**
 * Operator sends of one account (`POST /v1/send`, `imgate send`, pairing notices): the target is checked
 * before anything is queued (400 malformed / unknown prefix, 404 unknown chat), the text is chunked into the
 * outbox, and by default the answer waits for the delivery outcome — `sent`, `failed` with imsg's reason, or
 * `uncertain` — instead of saying "queued" for a send that can never go out (issue 10, item 6).
 */
import {
  type AsyncOutbox,
  agentIdempotencyKey,
  type Clock,
  chunkText,
  type OutboxDraft,
  type OutboxEntry,
} from "@imgate/channel-core";
import {
  checkSendTarget,
  type DeliveryOutcome,
  describeSendFailure,
  ImessageChatNotFoundError,
  type ImessageTarget,
  ImessageTargetError,
  type ImsgPort,
  type ResolvedImessageAccount,
} from "@imgate/imessage-channel";
import { ControlApiHttpError } from "../control-api/control-api-http-error.ts";
import { DEFAULT_SEND_WAIT_MS, type SendResult } from "../control-api/control-api-types.ts";
import { checkOutboundFile } from "./check-outbound-file.ts";
import { UNCERTAIN_ADVICE, UNCERTAIN_PREFIX } from "./uncertain-delivery.ts";

const CHANNEL = "imessage";
/** How often a waiting send re-reads its outbox entries besides being told (unknown outcomes settle silently). */
const POLL_MS = 100;
/** Outbox states after which an entry never changes on its own. */
const FINAL_STATES = new Set(["sent", "failed"]);

/** Options of {@link createAccountSender}. */
export interface AccountSenderOptions {
  account: Pick<
    ResolvedImessageAccount,
    "accountId" | "region" | "service" | "mediaMaxMb" | "textChunkLimit" | "chunkMode"
  >;
  /** imsg, to check chat targets. */
  port: Pick<ImsgPort, "listChats" | "getChat">;
  outbox: Pick<AsyncOutbox, "get">;
  /** Queues `drafts` all together or none (one commit), returning their entries in order. */
  enqueueAll(drafts: readonly OutboxDraft[]): Promise<OutboxEntry[]>;
  /** The chat a target resolves to, for the outbox's per-chat order (delivery's cached resolver). */
  chatIdFor(target: string): Promise<number | undefined>;
  /** Starts the delivery worker. */
  kick(): void;
  /** The account-wide hold (pause, daily cap, pacing), if any: a paused send answers `held` at once. */
  accountHold?(): Promise<{ reason: string; until: number | undefined } | undefined>;
  clock: Clock;
}

/** How to send. */
export interface AccountSendOptions {
  /** Wait for the delivery outcome (default true). */
  wait?: boolean;
  /** Longest wait for the outcome (ms); default 10 000. */
  waitMs?: number;
  /** A local file attached to the first chunk. */
  file?: string;
}

/** Sends of one account, and the hooks the delivery worker reports to. */
export interface AccountSender {
  /**
   * Checks `target`, queues `text` (chunked; `file` on the first chunk) and, unless `wait` is false, waits
   * for the outcome.
   * @throws {ControlApiHttpError} 400 `invalid_target`/`invalid_file`, 404 `chat_not_found`.
   */
  send(target: string, text: string, options?: AccountSendOptions): Promise<SendResult>;
  /** Wraps one delivery so a waiting send learns imsg's own error (the outbox keeps only its text). */
  observe(entry: OutboxEntry, outcome: Promise<DeliveryOutcome>): Promise<DeliveryOutcome>;
  /** The worker recorded an outcome for `entry` (sent or an error): wakes a send waiting for it. */
  settled(entry: OutboxEntry): void;
}

/** Creates the {@link AccountSender} of one account. */
export function createAccountSender(options: AccountSenderOptions): AccountSender {
  const { account, outbox, clock } = options;
  const wakers = new Map<number, () => void>();
  /** Delivery errors of entries a send is waiting for, by outbox id. */
  const errors = new Map<number, unknown>();
  const watched = new Set<number>();

  const checkTarget = async (target: string): Promise<ImessageTarget> => {
    try {
      return (
        await checkSendTarget(target, {
          port: options.port,
          region: account.region,
          service: account.service,
        })
      ).target;
    } catch (error) {
      if (error instanceof ImessageTargetError)
        throw new ControlApiHttpError(400, "invalid_target", error.message, { cause: error });
      if (error instanceof ImessageChatNotFoundError)
        throw new ControlApiHttpError(404, "chat_not_found", error.message, { cause: error });
      throw error;
    }
  };

  /**
   * Waits until every entry is final or one is held over a limit, or the deadline passes; woken by the
   * worker, else re-read every POLL_MS.
   */
  const waitForFinal = async (ids: readonly number[], deadline: number) => {
    for (;;) {
      const current = await Promise.all(ids.map((id) => outbox.get(id)));
      if (current.every((entry) => FINAL_STATES.has(entry?.state ?? "sent"))) return;
      if (current.some((entry) => entry?.state === "queued" && entry.heldReason !== undefined)) return;
      const left = deadline - clock.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          for (const id of ids) if (wakers.get(id) === wake) wakers.delete(id);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, POLL_MS));
        for (const id of ids) wakers.set(id, wake);
      });
    }
  };

  const outcomeOf = async (
    input: string,
    target: ImessageTarget,
    entries: readonly OutboxEntry[],
    waitMs: number,
  ): Promise<Pick<SendResult, "status" | "error">> => {
    const current = await Promise.all(entries.map(async (entry) => (await outbox.get(entry.id)) ?? entry));
    if (current.every((entry) => entry.state === "sent")) return { status: "sent" };
    const held = current.find((entry) => entry.state === "queued" && entry.heldReason !== undefined);
    if (held?.heldReason) return heldOutcome(input, held.heldReason, held.notBefore, held.id);
    // Given up as uncertain (reconciliation could not decide): it may have gone out, so it is not "failed".
    const givenUp = current.find(
      (entry) => entry.state === "failed" && entry.lastError?.startsWith(UNCERTAIN_PREFIX),
    );
    if (givenUp) {
      return {
        status: "uncertain",
        error: {
          code: "send_uncertain",
          message: `imsg could not confirm the send to ${input}: ${UNCERTAIN_ADVICE} (outbox id ${givenUp.id}).`,
        },
      };
    }
    const failed = current.find((entry) => entry.state === "failed");
    if (failed) {
      const error = errors.get(failed.id);
      const described = error !== undefined ? describeSendFailure(error, input, target) : undefined;
      if (described && described.code !== "send_uncertain") return { status: "failed", error: described };
      return {
        status: "failed",
        error: {
          code: "send_failed",
          // An outcome imsg could not confirm that reconciliation then found not sent is a plain failure.
          message: described
            ? `Sending to ${input} failed: imsg did not confirm it, and a check found it was not sent (outbox id ${failed.id}).`
            : (failed.lastError ?? `Sending to ${input} failed (outbox id ${failed.id}).`),
        },
      };
    }
    const open = current.find((entry) => entry.state !== "sent")!;
    if (open.state === "unknown") {
      return {
        status: "uncertain",
        error: {
          code: "send_uncertain",
          message: `imsg did not confirm the send to ${input}; the gateway checks it against imsg before any resend (outbox id ${open.id}, see \`imgate status\`).`,
        },
      };
    }
    if (open.lastError) {
      return {
        status: "uncertain",
        error: {
          code: "send_retrying",
          message: `Not sent yet: ${open.lastError} The gateway retries it (outbox id ${open.id}).`,
        },
      };
    }
    const seconds = Math.round(waitMs / 1000);
    if (open.state === "sending") {
      return {
        status: "uncertain",
        error: {
          code: "send_pending",
          message: `imsg has not answered within ${seconds} s; the send is still in progress (outbox id ${open.id}, see \`imgate status\`).`,
        },
      };
    }
    return {
      status: "uncertain",
      error: {
        code: "send_pending",
        message: `Not sent within ${seconds} s; it stays in the gateway's outbox and goes out when imsg is ready (outbox id ${open.id}, see \`imgate status\`).`,
      },
    };
  };

  return {
    async send(input, text, sendOptions = {}) {
      const target = await checkTarget(input);
      const file = sendOptions.file;
      if (file !== undefined) await checkOutboundFile(file, account.mediaMaxMb);
      const chatId = await options.chatIdFor(input).catch(() => undefined);
      const texts =
        text === "" ? [] : chunkText(text, { limit: account.textChunkLimit, mode: account.chunkMode });
      const chunks = texts.length === 0 ? [""] : texts;
      const entries = await options.enqueueAll(
        chunks.map((chunk, index) => ({
          idempotencyKey: agentIdempotencyKey(),
          channel: CHANNEL,
          accountId: account.accountId,
          chatKey: chatId !== undefined ? String(chatId) : input,
          target: input,
          text: chunk,
          ...(index === 0 && file !== undefined ? { media: [file] } : {}),
        })),
      );
      const ids = entries.map((entry) => entry.id);
      const result = { accountId: account.accountId, outboxIds: ids.map(String) };
      if (sendOptions.wait === false) {
        options.kick();
        return { ...result, status: "queued" };
      }
      // Held past the wait (a pause, the daily cap, long pacing): say so now instead of timing out.
      const accountHold = await options.accountHold?.();
      const waitMs = sendOptions.waitMs ?? DEFAULT_SEND_WAIT_MS;
      if (accountHold && (accountHold.until === undefined || accountHold.until > clock.now() + waitMs)) {
        options.kick();
        return { ...result, ...heldOutcome(input, accountHold.reason, accountHold.until, ids[0] ?? 0) };
      }
      for (const id of ids) watched.add(id);
      try {
        options.kick();
        await waitForFinal(ids, clock.now() + waitMs);
        return { ...result, ...(await outcomeOf(input, target, entries, waitMs)) };
      } finally {
        for (const id of ids) {
          watched.delete(id);
          errors.delete(id);
          wakers.delete(id);
        }
      }
    },

    async observe(entry, outcome) {
      const result = await outcome;
      if (watched.has(entry.id)) {
        if (result.state === "sent" || result.state === "skipped") errors.delete(entry.id);
        else errors.set(entry.id, result.error);
      }
      return result;
    },

    settled(entry) {
      wakers.get(entry.id)?.();
    },
  };
}

/** The answer for a send held in the outbox by a pause or an outbound limit (it goes out later, once). */
function heldOutcome(
  input: string,
  reason: string,
  until: number | undefined,
  outboxId: number,
): Pick<SendResult, "status" | "error"> {
  const when =
    reason === "paused"
      ? "it goes out after `imgate resume`"
      : `it goes out in order once the budget allows${until !== undefined ? ` (not before ${new Date(until).toISOString()})` : ""}; see \`imgate status\``;
  const why =
    reason === "paused" ? "the account is paused" : `over the ${reason} limit (channels.imessage.limits)`;
  return {
    status: "held",
    error: {
      code: `held_${reason.replaceAll("-", "_")}`,
      message: `Held in the outbox for ${input} (${why}): ${when} (outbox id ${outboxId}). Do not resend it.`,
    },
  };
}
