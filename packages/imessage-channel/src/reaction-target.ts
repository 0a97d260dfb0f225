import type { ImsgMessage, ImsgPort } from "./imsg-port.ts";
import type { ReactionEvent } from "./inbound-outcome.ts";
import { parseLegacyTapback } from "./legacy-tapback.ts";

/** How many recent messages of the chat are searched for a tapback's target. */
export const REACTION_TARGET_SCAN = 100;

function quoteMatches(row: ImsgMessage, quoted: string): boolean {
  if (row.text === quoted) return true;
  // Messages shortens long quotes with an ellipsis.
  return quoted.endsWith("…") && quoted.length > 1 && row.text.startsWith(quoted.slice(0, -1));
}

/**
 * Finds the message a tapback targets among the chat's recent messages (by guid for a reaction row, by the
 * quoted text for a legacy one, newest first) and fills in its guid, text and whether it is the bot's own.
 * Not found (too old, or imsg failed): the event is returned unchanged, its ownership unknown.
 */
export async function resolveReactionTarget(
  port: Pick<ImsgPort, "history">,
  event: ReactionEvent,
): Promise<ReactionEvent> {
  const rows = await port.history({ chat_id: event.chatId, limit: REACTION_TARGET_SCAN });
  const quoted = event.targetText;
  const target =
    event.targetGuid !== ""
      ? rows.find((row) => row.guid === event.targetGuid)
      : quoted === undefined
        ? undefined
        : rows.find(
            (row) => row.guid !== event.guid && !parseLegacyTapback(row.text) && quoteMatches(row, quoted),
          );
  if (!target) return event;
  return { ...event, targetGuid: target.guid, targetText: target.text, targetFromMe: target.is_from_me };
}
