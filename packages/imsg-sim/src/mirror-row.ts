import { encodeAttributedBody } from "./attributed-body.ts";
import type { ChatDbWriter } from "./chat-db-writer.ts";

/** The attributed-body residue real reflections can start with (openclaw/openclaw#64309). */
export const ATTRIBUTED_RESIDUE = "\u0093b\u0002";

/** A mirror row Messages writes for a sent text (openclaw/openclaw#135704). */
export interface MirrorRow {
  chatId: number;
  service: string;
  /** The text sent (without residue). */
  text: string;
  /** Guid of the sent row: the mirror's `associated_message_guid`, so imsg reports it as `reply_to_guid`. */
  sentGuid: string;
  selfHandle: string;
  /** Prefix the text with {@link ATTRIBUTED_RESIDUE}. */
  residue: boolean;
}

/** The text a reflection row carries: the sent text, with the residue prefix when asked. */
export function reflectionText(text: string, residue: boolean): string {
  return residue ? `${ATTRIBUTED_RESIDUE}${text}` : text;
}

/**
 * Writes the mirror of a sent text: `is_from_me=0`, a new guid, from the chat's other member (its first
 * handle), `associated_message_guid` = the sent guid (type 0, so not a tapback), the same text, joined to the chat.
 */
export function writeMirrorRow(writer: ChatDbWriter, mirror: MirrorRow): { id: number; guid: string } {
  const text = reflectionText(mirror.text, mirror.residue);
  const row = writer.insertMessage({
    text,
    attributedBody: encodeAttributedBody(text),
    handleId: writer.firstChatHandle(mirror.chatId),
    service: mirror.service,
    isFromMe: false,
    destinationCallerId: mirror.selfHandle,
    associatedGuid: mirror.sentGuid,
    associatedType: 0,
  });
  writer.joinMessage(mirror.chatId, row.id, row.dateNs);
  return { id: row.id, guid: row.guid };
}
