import { randomUUID } from "node:crypto";
import { extname } from "node:path";
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { unixMsToAppleNs } from "./apple-time.ts";

/** A `message` row to write. */
export interface NewMessage {
  guid?: string;
  text: string | null;
  attributedBody?: Uint8Array | null;
  /** `handle.ROWID` of the sender; 0 for own messages. */
  handleId: number;
  service: string;
  /** Apple-epoch ns; defaults to now (kept strictly increasing). */
  dateNs?: bigint;
  isFromMe: boolean;
  destinationCallerId?: string | null;
  associatedGuid?: string | null;
  associatedType?: number;
  threadOriginatorGuid?: string | null;
  balloonBundleId?: string | null;
  /** A voice memo (`is_audio_message`). */
  isAudioMessage?: boolean;
}

/** An `attachment` row to write. */
export interface NewAttachment {
  filename: string;
  transferName: string;
  totalBytes: number;
  uti?: string;
  mimeType?: string;
  /** `attachment.user_info` (a plist; a voice memo's carries `audio-transcription`). */
  userInfo?: string;
}

const TYPES: Record<string, [uti: string, mime: string]> = {
  ".heic": ["public.heic", "image/heic"],
  ".jpg": ["public.jpeg", "image/jpeg"],
  ".jpeg": ["public.jpeg", "image/jpeg"],
  ".png": ["public.png", "image/png"],
  ".gif": ["com.compuserve.gif", "image/gif"],
  ".mov": ["com.apple.quicktime-movie", "video/quicktime"],
  ".mp4": ["public.mpeg-4", "video/mp4"],
  ".caf": ["com.apple.coreaudio-format", "audio/x-caf"],
  ".m4a": ["com.apple.m4a-audio", "audio/mp4"],
  ".pdf": ["com.adobe.pdf", "application/pdf"],
  ".txt": ["public.plain-text", "text/plain"],
};

/** UTI and MIME type Messages would record for a file name. */
export function fileTypeOf(name: string): { uti: string; mimeType: string } {
  const known = TYPES[extname(name).toLowerCase()];
  return known
    ? { uti: known[0], mimeType: known[1] }
    : { uti: "public.data", mimeType: "application/octet-stream" };
}

/** A new Messages-style GUID (upper-case UUID). */
export function newMessageGuid(): string {
  return randomUUID().toUpperCase();
}

/** The write side of chat.db shared by `inject`, `seed` and the sim's own sends: handles, chats, rows, joins. */
export class ChatDbWriter {
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  #run(sql: string, ...args: SQLInputValue[]): number {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return Number(statement.run(...args).lastInsertRowid);
  }

  #get(sql: string, ...args: SQLInputValue[]): Record<string, SQLInputValue> | undefined {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      statement.setReadBigInts(true);
      this.#statements.set(sql, statement);
    }
    return statement.get(...args) as Record<string, SQLInputValue> | undefined;
  }

  /** Runs `fn` in one IMMEDIATE transaction (rolled back when it throws). */
  transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  /** The ROWID of a handle, inserting it when missing. */
  ensureHandle(id: string, service: string): number {
    const row = this.#get("SELECT ROWID AS id FROM handle WHERE id = ? ORDER BY ROWID LIMIT 1", id);
    if (row) return Number(row.id);
    return this.#run(
      "INSERT INTO handle (id, service, uncanonicalized_id) VALUES (?, ?, ?)",
      id,
      service,
      id,
    );
  }

  /** The ROWID of a chat by guid, creating it (and its handle joins) when missing. */
  ensureChat(
    guid: string,
    identifier: string,
    service: string,
    displayName: string,
    handleIds: number[],
  ): number {
    const row = this.#get("SELECT ROWID AS id FROM chat WHERE guid = ?", guid);
    const chatId = row
      ? Number(row.id)
      : this.#run(
          "INSERT INTO chat (guid, chat_identifier, service_name, display_name) VALUES (?, ?, ?, ?)",
          guid,
          identifier,
          service,
          displayName,
        );
    for (const handleId of handleIds) {
      this.#run(
        "INSERT OR IGNORE INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)",
        chatId,
        handleId,
      );
    }
    return chatId;
  }

  /** The first member handle of a chat (its ROWID), or 0 when it has none. */
  firstChatHandle(chatId: number): number {
    const row = this.#get(
      "SELECT handle_id AS id FROM chat_handle_join WHERE chat_id = ? ORDER BY handle_id LIMIT 1",
      chatId,
    );
    return row ? Number(row.id) : 0;
  }

  /** The DM chat with a handle (`<service>;-;<handle>`), created when missing. */
  ensureDmChat(handle: string, service: string): number {
    const handleId = this.ensureHandle(handle, service);
    return this.ensureChat(`${service};-;${handle}`, handle, service, "", [handleId]);
  }

  /** Next message date: now, but strictly after every existing row so ordering by date is stable. */
  nextDateNs(): bigint {
    const now = unixMsToAppleNs(Date.now());
    const row = this.#get("SELECT MAX(date) AS d FROM message");
    const max = typeof row?.d === "bigint" ? row.d : 0n;
    return now > max ? now : max + 1000n;
  }

  /** Inserts a `message` row; returns its ROWID, guid and date. */
  insertMessage(m: NewMessage): { id: number; guid: string; dateNs: bigint } {
    const guid = m.guid ?? newMessageGuid();
    const dateNs = m.dateNs ?? this.nextDateNs();
    const id = this.#run(
      `INSERT INTO message (guid, text, attributedBody, handle_id, service, date, is_from_me, destination_caller_id,
        associated_message_guid, associated_message_type, thread_originator_guid, balloon_bundle_id, is_read,
        is_audio_message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      guid,
      m.text,
      m.attributedBody ?? null,
      m.handleId,
      m.service,
      dateNs,
      m.isFromMe ? 1 : 0,
      m.destinationCallerId ?? null,
      m.associatedGuid ?? null,
      m.associatedType ?? 0,
      m.threadOriginatorGuid ?? null,
      m.balloonBundleId ?? null,
      m.isFromMe ? 1 : 0,
      m.isAudioMessage ? 1 : 0,
    );
    return { id, guid, dateNs };
  }

  /** Joins a message to a chat (`message_date` = the message's date, §5.4). */
  joinMessage(chatId: number, messageId: number, dateNs: bigint): void {
    this.#run(
      "INSERT OR IGNORE INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)",
      chatId,
      messageId,
      dateNs,
    );
  }

  /** Adds an attachment row and links it to a message. */
  addAttachment(messageId: number, a: NewAttachment): number {
    const type = fileTypeOf(a.transferName);
    const attachmentId = this.#run(
      `INSERT INTO attachment (guid, filename, uti, mime_type, transfer_name, total_bytes, is_sticker, user_info)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?)`,
      `at_${newMessageGuid()}`,
      a.filename,
      a.uti ?? type.uti,
      a.mimeType ?? type.mimeType,
      a.transferName,
      a.totalBytes,
      a.userInfo === undefined ? null : Buffer.from(a.userInfo, "utf8"),
    );
    this.#run(
      "INSERT OR IGNORE INTO message_attachment_join (message_id, attachment_id) VALUES (?, ?)",
      messageId,
      attachmentId,
    );
    return attachmentId;
  }

  /** Sets `is_from_me` of a row (the late-`is_from_me` quirk's correction). */
  setFromMe(messageId: number, isFromMe: boolean): void {
    this.#run("UPDATE message SET is_from_me = ? WHERE ROWID = ?", isFromMe ? 1 : 0, messageId);
  }
}
