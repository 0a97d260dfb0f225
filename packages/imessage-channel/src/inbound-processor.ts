/**
 * The iMessage inbound stage: `chat_id: 0` repair → echo filter → envelope. Everything after it
 * (dedupe, policy, routing) is channel-core's.
 */
import type { Logger } from "@imgate/channel-core";
import { type AnchorRepairOptions, repairAnchorlessMessage } from "./anchor-repair.ts";
import type { EchoFilter } from "./echo-filter.ts";
import type { ImsgMessage, ImsgPort } from "./imsg-port.ts";
import type { InboundOutcome } from "./inbound-outcome.ts";
import { resolveReactionTarget } from "./reaction-target.ts";
import { type InboundAccountView, messageToInbound, reactionEnvelope } from "./to-envelope.ts";

/** Options of {@link createInboundProcessor}. */
export interface InboundProcessorOptions {
  /** The resolved account (its `accountId`, `region`, `groups`, `includeAttachments`, `mediaMaxMb`). */
  account: InboundAccountView;
  /** imsg calls used to re-read `chat_id: 0` rows. */
  port: Pick<ImsgPort, "listChats" | "history">;
  /** The account's echo filter (shared with delivery, which primes it). */
  echo: EchoFilter;
  logger: Logger;
  /** Retry and scan limits for `chat_id: 0` repair. */
  anchorRepair?: AnchorRepairOptions;
}

/** Turns imsg messages into outcomes for one account. */
export interface InboundProcessor {
  /** Handles one message; never throws (failures become `invalid` or `unanchored` drops). */
  process(message: ImsgMessage): Promise<InboundOutcome>;
}

/** Creates the inbound stage of one account. */
export function createInboundProcessor(options: InboundProcessorOptions): InboundProcessor {
  const { account, port, echo, logger } = options;
  const hinted = new Set<number>();

  async function processOne(message: ImsgMessage): Promise<InboundOutcome> {
    if (message.sender.trim() === "" && !message.is_from_me) return { kind: "drop", reason: "empty-sender" };
    let current = message;
    if (!message.is_from_me && !(message.chat_id > 0)) {
      const repaired = await repairAnchorlessMessage(message, port, options.anchorRepair).catch(
        (error: unknown) => {
          logger.warn(
            { err: error, guid: message.guid },
            "imessage: could not re-read a chat_id 0 row; dropping it",
          );
          return undefined;
        },
      );
      if (!repaired) {
        logger.info(
          { rowid: message.id, guid: message.guid },
          "imessage: dropped a message without a chat (chat_id 0); it is never answered as a DM",
        );
        return { kind: "drop", reason: "unanchored", detail: `message ${message.id} has no chat` };
      }
      current = repaired;
    }
    const echoReason = echo.check(current);
    if (echoReason) return { kind: "drop", reason: echoReason };
    const outcome = messageToInbound(current, account);
    if (outcome.kind === "reaction") {
      const event = await resolveReactionTarget(port, outcome.event).catch((error: unknown) => {
        logger.warn(
          { err: error, guid: outcome.event.guid },
          "imessage: could not look up the message a tapback targets; its target stays unknown",
        );
        return outcome.event;
      });
      return { ...outcome, event, envelope: reactionEnvelope(outcome.envelope, event) };
    }
    if (
      outcome.kind === "turn" &&
      outcome.groupReason === "none" &&
      outcome.envelope.participants.length > 1 &&
      !hinted.has(outcome.chatId)
    ) {
      hinted.add(outcome.chatId);
      logger.info(
        { chatId: outcome.chatId, participants: outcome.envelope.participants.length },
        `imessage: chat ${outcome.chatId} has several participants but is not marked as a group; add channels.imessage.groups["${outcome.chatId}"] to treat it as a group`,
      );
    }
    return outcome;
  }

  return {
    async process(message) {
      try {
        return await processOne(message);
      } catch (error) {
        logger.error({ err: error, rowid: message.id }, "imessage: inbound message could not be handled");
        return { kind: "drop", reason: "invalid", detail: String(error) };
      }
    },
  };
}
