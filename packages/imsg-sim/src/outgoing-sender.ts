import { randomUUID } from "node:crypto";
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { encodeAttributedBody } from "./attributed-body.ts";
import type { ChatDbWriter } from "./chat-db-writer.ts";
import { abbreviateHome } from "./home-path.ts";
import { type MirrorRow, reflectionText, writeMirrorRow } from "./mirror-row.ts";
import { URL_BALLOON_BUNDLE_ID } from "./url-preview-deduper.ts";

/** What one send writes. */
export interface OutgoingSend {
  chatId: number;
  /** `chat.service_name` of the target (`iMessage`, `SMS`). */
  service: string;
  text: string;
  /** Absolute path of an existing file to attach (sent as a second row after the text). */
  file?: string;
  /** Guid of the text row (`send.tracked` uses the attempt id). */
  guid?: string;
  replyTo?: string;
  /** The chat.db path: attachments are copied under `<its folder>/Attachments/imsg/<UUID>/`. */
  dbPath: string;
  selfHandle: string;
  quirks: {
    selfEcho: boolean;
    lateFromMe: boolean;
    urlPreviewDupes: boolean;
    /** Write a mirror row per text row; `delayed` leaves them to the caller (in `SendOutcome.mirrors`). */
    mirrorRows?: "now" | "delayed";
    residuePrefix?: boolean;
  };
}

/** One written outgoing row. */
export interface WrittenRow {
  id: number;
  guid: string;
}

/**
 * Rows a send wrote: the text row and/or the file row, plus rows whose `is_from_me` must be corrected later
 * and mirror rows still to be written (delayed mirrors).
 */
export interface SendOutcome {
  text?: WrittenRow;
  file?: WrittenRow;
  lateFromMe: number[];
  mirrors: MirrorRow[];
}

const URL_PATTERN = /https?:\/\/\S+/i;

/**
 * Writes the rows Messages would write for one AppleScript send (§2.4): text first, then the file, each joined to
 * the chat with `is_from_me=1`, `handle_id=0` and the own handle as `destination_caller_id`, plus the enabled quirks.
 */
export function writeOutgoing(writer: ChatDbWriter, send: OutgoingSend): SendOutcome {
  return writer.transaction(() => {
    const outcome: SendOutcome = { lateFromMe: [], mirrors: [] };
    const residue = send.quirks.residuePrefix === true;
    const selfHandleId = send.quirks.selfEcho ? writer.ensureHandle(send.selfHandle, send.service) : 0;
    const writeRow = (
      text: string,
      extra: { guid?: string; replyTo?: string; balloon?: string },
    ): WrittenRow => {
      const row = writer.insertMessage({
        guid: extra.guid,
        text,
        attributedBody: encodeAttributedBody(text),
        handleId: 0,
        service: send.service,
        isFromMe: !send.quirks.lateFromMe,
        destinationCallerId: send.selfHandle,
        threadOriginatorGuid: extra.replyTo ?? null,
        balloonBundleId: extra.balloon ?? null,
      });
      writer.joinMessage(send.chatId, row.id, row.dateNs);
      if (send.quirks.lateFromMe) outcome.lateFromMe.push(row.id);
      if (send.quirks.selfEcho) {
        const copy = reflectionText(text, residue);
        const echo = writer.insertMessage({
          text: copy,
          attributedBody: encodeAttributedBody(copy),
          handleId: selfHandleId,
          service: send.service,
          isFromMe: false,
          destinationCallerId: send.selfHandle,
        });
        writer.joinMessage(send.chatId, echo.id, echo.dateNs);
      }
      return { id: row.id, guid: row.guid };
    };
    if (send.text !== "") {
      outcome.text = writeRow(send.text, { guid: send.guid, replyTo: send.replyTo });
      if (send.quirks.mirrorRows) {
        const mirror: MirrorRow = {
          chatId: send.chatId,
          service: send.service,
          text: send.text,
          sentGuid: outcome.text.guid,
          selfHandle: send.selfHandle,
          residue,
        };
        if (send.quirks.mirrorRows === "now") writeMirrorRow(writer, mirror);
        else outcome.mirrors.push(mirror);
      }
      if (send.quirks.urlPreviewDupes && URL_PATTERN.test(send.text)) {
        writeRow(send.text, { balloon: URL_BALLOON_BUNDLE_ID });
      }
    }
    if (send.file) {
      const staged = join(
        dirname(send.dbPath),
        "Attachments",
        "imsg",
        randomUUID().toUpperCase(),
        basename(send.file),
      );
      mkdirSync(dirname(staged), { recursive: true });
      copyFileSync(send.file, staged);
      outcome.file = writeRow("\uFFFC", { guid: send.text === "" ? send.guid : undefined });
      writer.addAttachment(outcome.file.id, {
        filename: abbreviateHome(staged),
        transferName: basename(send.file),
        totalBytes: statSync(staged).size,
      });
    }
    return outcome;
  });
}
