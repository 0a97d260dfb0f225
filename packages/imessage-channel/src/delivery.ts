/**
 * Outbound delivery (channel-behavior §11 with decisions Q5, Q6, Q13): one outbox entry (a chunk, maybe
 * with files) → imsg `send` (or `send.tracked`), in order per chat, with the echo filter primed before
 * the send. Ambiguous outcomes are reported as `unknown` and reconciled before anything is resent.
 * No text is ever invented: a file goes without a caption rather than with a placeholder.
 */
import { attemptIdFor } from "./attempt-id.ts";
import { type ChatResolver, createChatResolver } from "./chat-resolver.ts";
import { checkAttachmentFile } from "./check-attachment-file.ts";
import type {
  DeliveryItem,
  DeliveryOptions,
  DeliveryOutcome,
  DeliveryVerdict,
  ImessageDelivery,
  ReconcileItem,
} from "./delivery-types.ts";
import { ImessageChannelError, ImessageDeliveryError } from "./imessage-errors.ts";
import type { ImsgSendParams, ImsgSendResult } from "./imsg-port.ts";
import type { DeliveryCapabilities } from "./imsg-port-from-client.ts";
import { createKeyedSerialQueue } from "./keyed-serial-queue.ts";
import { sendErrorOutcome } from "./send-error-outcome.ts";
import { formatTarget, type ImessageTarget, parseTarget } from "./target.ts";

const defaultDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function resultIdOf(result: ImsgSendResult, fallback?: string): string | undefined {
  if (result.guid) return result.guid;
  if (typeof result.id === "number") return String(result.id);
  return fallback;
}

/** The six tapbacks imsg's `tapback` takes. */
const TAPBACKS = new Set(["love", "like", "dislike", "laugh", "emphasize", "question"]);
/** imsg's reaction summaries call `emphasize` `emphasis`. */
const sameReaction = (a: string | undefined, b: string) =>
  a !== undefined && (a === "emphasis" ? "emphasize" : a) === b;

/** Creates the delivery of one account. */
export function createImessageDelivery(options: DeliveryOptions): ImessageDelivery {
  const { account, port, echo, logger, clock } = options;
  const queue = createKeyedSerialQueue();
  const resolver: ChatResolver = createChatResolver({ port, clock, region: account.region });
  const delay = options.delay ?? defaultDelay;
  const caps = (): DeliveryCapabilities =>
    options.capabilities?.() ?? {
      sendTracked: port.sendTracked !== undefined,
      sendStatus: port.sendStatus !== undefined,
      tapback: port.tapback !== undefined,
      replyTo: false,
    };
  /** Degradations already logged (one info line each per account, not one per message). */
  const noted = new Set<string>();
  const noteOnce = (key: string, message: string) => {
    if (noted.has(key)) return;
    noted.add(key);
    logger.info({ account: account.accountId }, message);
  };

  function targetParams(target: ImessageTarget, chatId: number | undefined): ImsgSendParams {
    switch (target.kind) {
      case "chat_id":
        return { chat_id: target.chatId };
      case "chat_guid":
        return chatId !== undefined ? { chat_id: chatId } : { chat_guid: target.chatGuid };
      case "chat_identifier":
        return chatId !== undefined ? { chat_id: chatId } : { chat_identifier: target.chatIdentifier };
      case "handle": {
        // Q6: the target's own service prefix wins, then the account's. imsg ignores service for chat
        // targets, so a handle whose service is not "auto" is sent by handle to honour it.
        const service = target.service ?? account.service;
        if (chatId !== undefined && service === "auto") return { chat_id: chatId };
        return { to: target.handle, service, region: account.region };
      }
    }
  }

  /** A tapback on `item.replyTo`; skipped (one info line) when imsg does not list `tapback` as usable. */
  async function reactOne(item: DeliveryItem & { reaction: string }): Promise<DeliveryOutcome> {
    if (!TAPBACKS.has(item.reaction) || !item.replyTo) {
      return {
        state: "failed",
        retryable: false,
        error: new ImessageDeliveryError(
          "IMESSAGE_SEND_FAILED",
          `Cannot react with "${item.reaction}"${item.replyTo ? "" : " without a target message"}: use one of ${[...TAPBACKS].join(", ")} on a message guid.`,
        ),
      };
    }
    if (!caps().tapback || !port.tapback) {
      noteOnce(
        "tapback",
        "imessage: imsg does not list `tapback` as usable (it needs imsg's bridge); agent reactions are skipped",
      );
      return { state: "skipped", reason: "imsg does not offer tapback (needs the bridge)" };
    }
    const target = parseTarget(item.target, { region: account.region });
    const chatId = await resolver.chatIdFor(target).catch(() => undefined);
    // tapback takes a chat field (never `to`); the target message's guid alone also finds the chat.
    const base = targetParams(target, chatId);
    const { to: _to, service: _service, region: _region, ...chat } = base;
    await echo.recordReaction({
      ...(chatId !== undefined ? { chatId } : {}),
      targetGuid: item.replyTo,
      reaction: item.reaction,
    });
    try {
      await port.tapback({
        ...chat,
        message_guid: item.replyTo,
        reaction: item.reaction as "love",
      });
      return { state: "sent", ...(chatId !== undefined ? { chatId } : {}) };
    } catch (error) {
      return sendErrorOutcome(error, {
        unknown: `The ${item.reaction} tapback in ${item.target} may or may not have been sent; it is checked before any retry.`,
        failed: (detail) => `The ${item.reaction} tapback in ${item.target} failed: ${detail}`,
      });
    }
  }

  async function sendOne(item: DeliveryItem): Promise<DeliveryOutcome> {
    if (item.reaction !== undefined) return reactOne({ ...item, reaction: item.reaction });
    const media = item.media ?? [];
    if (item.text.trim() === "" && media.length === 0) {
      return {
        state: "failed",
        retryable: false,
        error: new ImessageDeliveryError(
          "IMESSAGE_SEND_EMPTY",
          "Nothing to send: the text is empty and there is no file.",
        ),
      };
    }
    const target = parseTarget(item.target, { region: account.region });
    const chatId = await resolver.chatIdFor(target).catch(() => undefined);
    const base = targetParams(target, chatId);
    const files: string[] = [];
    for (const path of media) {
      await checkAttachmentFile(path, account.mediaMaxMb);
      files.push(options.stageUpload ? (await options.stageUpload(path)).remotePath : path);
    }

    // Inline replies go through `send` with `reply_to` (send.tracked has none) and are reconciled by a
    // history lookup like any untracked send; without the bridge they are plain sends.
    let replyTo: string | undefined;
    if (item.replyTo) {
      if (caps().replyTo) replyTo = item.replyTo;
      else
        noteOnce(
          "reply_to",
          "imessage: imsg's bridge is not ready, so `send` cannot take `reply_to`; threaded agent replies are sent as plain messages",
        );
    }
    // Tracked sends: text only; the attempt id becomes the message guid (protocol §9).
    const tracked =
      files.length === 0 && replyTo === undefined && caps().sendTracked && port.sendTracked !== undefined;
    const attemptId = tracked ? attemptIdFor(item.idempotencyKey) : undefined;
    // Prime before sending: the watch may report the row before the send answers.
    await echo.recordSent({
      ...(chatId !== undefined ? { chatId } : {}),
      text: item.text,
      ...(attemptId ? { guid: attemptId } : {}),
    });

    const calls: ImsgSendParams[] =
      files.length === 0
        ? [{ ...base, text: item.text, ...(replyTo ? { reply_to: replyTo } : {}) }]
        : files.map((file, index) => ({
            ...base,
            file,
            ...(index === 0 && item.text !== "" ? { text: item.text } : {}),
            ...(replyTo ? { reply_to: replyTo } : {}),
          }));
    let lastId: string | undefined;
    for (const [index, params] of calls.entries()) {
      try {
        const result =
          attemptId && port.sendTracked
            ? await port.sendTracked({ ...params, attempt_id: attemptId })
            : await port.send(params);
        lastId = resultIdOf(result, attemptId);
        // A tracked send's guid is its attempt id, primed (and bound to this text) before the call.
        if (result.guid && result.guid !== attemptId) {
          await echo.recordGuid({
            ...(chatId !== undefined ? { chatId } : {}),
            text: params.text ?? "",
            guid: result.guid,
          });
        }
      } catch (error) {
        const where = `${item.target}${calls.length > 1 ? ` (part ${index + 1} of ${calls.length})` : ""}`;
        // A later part failing leaves the earlier ones sent: the item as a whole is uncertain.
        const outcome = sendErrorOutcome(
          error,
          {
            unknown: `Sending to ${where} may or may not have worked; it is checked against imsg before any retry.`,
            failed: (detail) => `Sending to ${where} failed: ${detail}`,
          },
          { uncertain: index > 0, ...(attemptId ? { attemptId } : {}) },
        );
        if (outcome.state === "unknown") {
          logger.warn(
            { err: error, target: item.target, key: item.idempotencyKey },
            "imessage: send outcome unknown",
          );
        }
        return outcome;
      }
    }
    if (chatId === undefined) resolver.invalidate();
    return {
      state: "sent",
      ...(lastId ? { resultId: lastId } : {}),
      ...(chatId !== undefined ? { chatId } : {}),
    };
  }

  /** The per-conversation queue key of a target: its normalised form (`chat_id:N`, `imessage:+1555…`, …). */
  function queueKeyFor(target: string): string {
    try {
      return formatTarget(parseTarget(target, { region: account.region }));
    } catch {
      return target; // an invalid target fails inside sendOne with a typed error
    }
  }

  /**
   * An uncertain tapback: sent when the target message (in the last rows of its chat) carries our reaction
   * of that kind; otherwise not sent. Sending a tapback again is safe: Messages keeps one reaction per
   * person and message, so a repeat replaces it instead of adding a second one.
   */
  async function reactionLookup(item: ReconcileItem & { reaction: string }): Promise<DeliveryVerdict> {
    const target = parseTarget(item.target, { region: account.region });
    const chatId =
      item.chatKey && /^\d+$/.test(item.chatKey) ? Number(item.chatKey) : await resolver.chatIdFor(target);
    if (chatId === undefined || !item.replyTo) return "not_sent";
    const rows = await port.history({ chat_id: chatId, limit: options.reconcileHistoryLimit ?? 50 });
    const row = rows.find((candidate) => candidate.guid === item.replyTo);
    const ours = row?.reactions.find(
      (reaction) => reaction.is_from_me === true && sameReaction(reaction.type, item.reaction),
    );
    return ours ? { state: "sent" } : "not_sent";
  }

  async function historyLookup(item: ReconcileItem): Promise<DeliveryVerdict> {
    const target = parseTarget(item.target, { region: account.region });
    const chatId =
      item.chatKey && /^\d+$/.test(item.chatKey) ? Number(item.chatKey) : await resolver.chatIdFor(target);
    if (chatId === undefined) return "unknown";
    const skew = options.reconcileSkewMs ?? 120_000;
    const waits = [0, ...(options.reconcileRetryDelaysMs ?? [500, 1500])];
    for (const wait of waits) {
      if (wait > 0) await delay(wait);
      const rows = await port.history({ chat_id: chatId, limit: options.reconcileHistoryLimit ?? 50 });
      const row = rows.find(
        (candidate) =>
          candidate.is_from_me &&
          candidate.text.trim() === item.text.trim() &&
          Date.parse(candidate.created_at) >= item.createdAt - skew,
      );
      if (row) return { state: "sent", resultId: row.guid || String(row.id) };
    }
    return "not_sent";
  }

  return {
    deliver(item) {
      // The queue key is computed synchronously, from the target alone: resolving it through imsg first
      // (an await) let a later chunk overtake an earlier one, and a chat created by the first send gave
      // later chunks a different key (a second queue) — both broke per-chat order.
      const key = queueKeyFor(item.target);
      return queue.run(key, async () => {
        try {
          return await sendOne(item);
        } catch (error) {
          const typed =
            error instanceof ImessageChannelError
              ? error
              : new ImessageDeliveryError(
                  "IMESSAGE_SEND_FAILED",
                  `Sending to ${item.target} failed: ${String(error)}`,
                  {
                    cause: error,
                  },
                );
          return { state: "failed", retryable: false, error: typed };
        }
      });
    },

    async reconcile(item) {
      // Errors (imsg down, timeouts) propagate: "could not ask" must not be mistaken for "undecidable".
      if (item.reaction !== undefined) return await reactionLookup({ ...item, reaction: item.reaction });
      if (
        caps().sendStatus &&
        port.sendStatus &&
        (item.media ?? []).length === 0 &&
        caps().sendTracked &&
        !(item.replyTo && caps().replyTo)
      ) {
        const status = await port.sendStatus({ guid: attemptIdFor(item.idempotencyKey) });
        if (status.send_state === "sent" || status.send_state === "delivered") {
          return { state: "sent", resultId: status.guid };
        }
        if (status.send_state === "failed") return "not_sent";
        // "pending" also means "never seen": fall back to the history, which sees untracked sends too.
      }
      return await historyLookup(item);
    },

    async chatIdFor(target) {
      return resolver.chatIdFor(parseTarget(target, { region: account.region }));
    },
  };
}
