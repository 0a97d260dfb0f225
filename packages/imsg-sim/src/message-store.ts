import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";

/** One `message` row joined with its chat join and sender handle, as the §5.5 queries select it. */
export interface MessageRow {
  rowid: number;
  /** `chat_message_join.chat_id`; null for an unjoined row in an all-chat watch. */
  chatId: number | null;
  guid: string;
  text: string;
  attributedBody: Uint8Array | null;
  handle: string;
  date: bigint;
  isFromMe: boolean;
  destinationCallerId: string;
  associatedGuid: string;
  associatedType: number;
  threadOriginatorGuid: string;
  balloonBundleId: string;
  /** `message.is_audio_message` (a voice memo). */
  isAudioMessage: boolean;
}

/** One `attachment` row of a message. */
export interface AttachmentRow {
  filename: string;
  transferName: string;
  uti: string;
  mimeType: string;
  totalBytes: number;
  isSticker: boolean;
}

/** A reaction row pointing at a message (for the `reactions` summary). */
export interface ReactionRow {
  rowid: number;
  type: number;
  text: string;
  isFromMe: boolean;
  handle: string;
  destinationCallerId: string;
  date: bigint;
}

/** The chat columns imsg reads. */
export interface ChatRow {
  id: number;
  identifier: string;
  guid: string;
  /** `IFNULL(display_name, chat_identifier)`. */
  name: string;
  service: string;
  accountId: string | null;
  accountLogin: string | null;
  lastAddressedHandle: string | null;
}

/** Filters shared by history and watch (§2.4). */
export interface MessageFilter {
  participants?: string[];
  startNs?: bigint;
  endNs?: bigint;
}

const REACTION_EXCLUSION =
  "(m.associated_message_type IS NULL OR m.associated_message_type < 2000 OR m.associated_message_type > 3006)";

const MESSAGE_COLUMNS = `m.ROWID AS rowid, cmj.chat_id AS chat_id, m.guid AS guid, IFNULL(m.text,'') AS text,
  m.attributedBody AS body, IFNULL(h.id,'') AS handle, IFNULL(m.date,0) AS date, m.is_from_me AS is_from_me,
  IFNULL(m.destination_caller_id,'') AS dest, IFNULL(m.associated_message_guid,'') AS assoc_guid,
  IFNULL(m.associated_message_type,0) AS assoc_type, IFNULL(m.thread_originator_guid,'') AS thread_guid,
  IFNULL(m.balloon_bundle_id,'') AS balloon, IFNULL(m.is_audio_message,0) AS is_audio`;

type Cell = SQLInputValue | undefined;
type Row = Record<string, Cell>;

function num(value: Cell): number {
  return typeof value === "bigint" ? Number(value) : Number(value ?? 0);
}

function str(value: Cell): string {
  return value === null || value === undefined ? "" : String(value);
}

function toMessageRow(r: Row): MessageRow {
  return {
    rowid: num(r.rowid),
    chatId: r.chat_id === null ? null : num(r.chat_id),
    guid: str(r.guid),
    text: str(r.text),
    attributedBody: r.body instanceof Uint8Array ? r.body : null,
    handle: str(r.handle),
    date: typeof r.date === "bigint" ? r.date : BigInt(num(r.date)),
    isFromMe: num(r.is_from_me) !== 0,
    destinationCallerId: str(r.dest),
    associatedGuid: str(r.assoc_guid),
    associatedType: num(r.assoc_type),
    threadOriginatorGuid: str(r.thread_guid),
    balloonBundleId: str(r.balloon),
    isAudioMessage: num(r.is_audio) !== 0,
  };
}

/** The read side of chat.db: the §5.5 SQL with prepared statements cached per connection. */
export class MessageStore {
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      statement.setReadBigInts(true);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #filterSql(filter: MessageFilter, args: SQLInputValue[]): string {
    let sql = "";
    if (filter.startNs !== undefined) {
      sql += " AND m.date >= ?";
      args.push(filter.startNs);
    }
    if (filter.endNs !== undefined) {
      sql += " AND m.date < ?";
      args.push(filter.endNs);
    }
    if (filter.participants && filter.participants.length > 0) {
      sql += ` AND COALESCE(NULLIF(h.id,''), m.destination_caller_id) COLLATE NOCASE IN (${filter.participants.map(() => "?").join(",")})`;
      args.push(...filter.participants);
    }
    return sql;
  }

  /** `messages.history`: one chat, reactions excluded, newest first, filters before the limit. */
  history(chatId: number, limit: number, filter: MessageFilter = {}): MessageRow[] {
    const args: SQLInputValue[] = [chatId];
    const sql = `SELECT ${MESSAGE_COLUMNS} FROM message m JOIN chat_message_join cmj ON m.ROWID = cmj.message_id
      LEFT JOIN handle h ON m.handle_id = h.ROWID WHERE cmj.chat_id = ? AND ${REACTION_EXCLUSION}${this.#filterSql(filter, args)}
      ORDER BY m.date DESC LIMIT ?`;
    args.push(limit);
    return (this.#prepare(sql).all(...args) as Row[]).map(toMessageRow);
  }

  /** Watch / `messages.after`: rows with ROWID > cursor in ROWID order (LEFT JOIN: unjoined rows have chatId null). */
  after(
    cursor: number,
    options: { chatId?: number; includeReactions: boolean; limit: number },
  ): MessageRow[] {
    const args: SQLInputValue[] = [cursor];
    let sql = `SELECT ${MESSAGE_COLUMNS} FROM message m LEFT JOIN chat_message_join cmj ON m.ROWID = cmj.message_id
      LEFT JOIN handle h ON m.handle_id = h.ROWID WHERE m.ROWID > ?`;
    if (!options.includeReactions) sql += ` AND ${REACTION_EXCLUSION}`;
    if (options.chatId !== undefined) {
      sql += " AND cmj.chat_id = ?";
      args.push(options.chatId);
    }
    sql += " ORDER BY m.ROWID ASC LIMIT ?";
    args.push(options.limit);
    return (this.#prepare(sql).all(...args) as Row[]).map(toMessageRow);
  }

  /** `SELECT MAX(ROWID) FROM message` (0 for an empty table): where a tail watch starts. */
  maxRowid(): number {
    const row = this.#prepare("SELECT IFNULL(MAX(ROWID),0) AS max FROM message").get() as Row;
    return num(row.max);
  }

  /** The chat join of one message (null while unjoined). */
  chatIdOf(rowid: number): number | null {
    const row = this.#prepare("SELECT chat_id FROM chat_message_join WHERE message_id = ? LIMIT 1").get(
      rowid,
    ) as Row | undefined;
    return row ? num(row.chat_id) : null;
  }

  /** One message by guid (reply parents, send status). */
  byGuid(guid: string): MessageRow | undefined {
    const row =
      this.#prepare(`SELECT ${MESSAGE_COLUMNS} FROM message m LEFT JOIN chat_message_join cmj ON m.ROWID = cmj.message_id
      LEFT JOIN handle h ON m.handle_id = h.ROWID WHERE m.guid = ? LIMIT 1`).get(guid) as Row | undefined;
    return row ? toMessageRow(row) : undefined;
  }

  /**
   * True when an earlier non-preview row of the same chat, direction, sender handle and text exists within
   * `windowNs` before this row: the original of a URL-preview duplicate (`messages.after` coalescing).
   */
  hasEarlierTwin(row: MessageRow, chatId: number, windowNs: bigint): boolean {
    const found =
      this.#prepare(`SELECT 1 AS hit FROM message m JOIN chat_message_join cmj ON cmj.message_id = m.ROWID
      LEFT JOIN handle h ON m.handle_id = h.ROWID
      WHERE m.ROWID < ? AND cmj.chat_id = ? AND m.is_from_me = ? AND IFNULL(h.id,'') = ? AND IFNULL(m.text,'') = ?
        AND m.date >= ? AND IFNULL(m.balloon_bundle_id,'') = '' LIMIT 1`).get(
        row.rowid,
        chatId,
        row.isFromMe ? 1 : 0,
        row.handle,
        row.text,
        row.date - windowNs,
      );
    return found !== undefined;
  }

  /**
   * Apple's transcript of a voice memo: the `audio-transcription` key of its attachment's `user_info` plist
   * (protocol §3; the sim writes XML plists, which Apple's plist reader takes as well as binary ones).
   */
  audioTranscription(messageId: number): string | undefined {
    const rows = this.#prepare(`SELECT a.user_info AS info FROM message_attachment_join maj
      JOIN attachment a ON a.ROWID = maj.attachment_id WHERE maj.message_id = ?`).all(messageId) as Row[];
    for (const row of rows) {
      const info = row.info instanceof Uint8Array ? Buffer.from(row.info).toString("utf8") : str(row.info);
      const found = /<key>audio-transcription<\/key>\s*<string>([\s\S]*?)<\/string>/.exec(info);
      if (found?.[1] !== undefined) return unescapeXml(found[1]);
    }
    return undefined;
  }

  /** The §5.5 attachment query. */
  attachments(messageId: number): AttachmentRow[] {
    const rows =
      this.#prepare(`SELECT a.filename, a.transfer_name, a.uti, a.mime_type, a.total_bytes, a.is_sticker
      FROM message_attachment_join maj JOIN attachment a ON a.ROWID = maj.attachment_id WHERE maj.message_id = ?`).all(
        messageId,
      ) as Row[];
    return rows.map((r) => ({
      filename: str(r.filename),
      transferName: str(r.transfer_name),
      uti: str(r.uti),
      mimeType: str(r.mime_type),
      totalBytes: num(r.total_bytes),
      isSticker: num(r.is_sticker) !== 0,
    }));
  }

  /** Reaction rows aimed at a message guid (`= guid` or `LIKE '%/'||guid`), oldest first (§3.2). */
  reactionsTo(guid: string): ReactionRow[] {
    const rows =
      this.#prepare(`SELECT m.ROWID AS rowid, m.associated_message_type AS type, IFNULL(m.text,'') AS text,
      m.is_from_me AS is_from_me, IFNULL(h.id,'') AS handle, IFNULL(m.destination_caller_id,'') AS dest, IFNULL(m.date,0) AS date
      FROM message m LEFT JOIN handle h ON m.handle_id = h.ROWID
      WHERE m.associated_message_type >= 2000 AND m.associated_message_type <= 3006
        AND (m.associated_message_guid = ? OR m.associated_message_guid LIKE '%/' || ?) ORDER BY m.date ASC`).all(
        guid,
        guid,
      ) as Row[];
    return rows.map((r) => ({
      rowid: num(r.rowid),
      type: num(r.type),
      text: str(r.text),
      isFromMe: num(r.is_from_me) !== 0,
      handle: str(r.handle),
      destinationCallerId: str(r.dest),
      date: typeof r.date === "bigint" ? r.date : BigInt(num(r.date)),
    }));
  }

  /** The §5.5 list-chats query (only chats with at least one joined message, by last activity). */
  listChats(limit: number): Array<ChatRow & { lastDate: bigint }> {
    const rows =
      this.#prepare(`SELECT c.ROWID AS id, IFNULL(c.display_name, c.chat_identifier) AS name, c.chat_identifier AS identifier,
      c.service_name AS service, MAX(cmj.message_date) AS last_date, IFNULL(c.guid,'') AS guid, c.account_id AS account_id,
      c.account_login AS account_login, c.last_addressed_handle AS last_addressed_handle
      FROM chat c JOIN chat_message_join cmj ON c.ROWID = cmj.chat_id GROUP BY c.ROWID ORDER BY last_date DESC LIMIT ?`).all(
        limit,
      ) as Row[];
    return rows.map((r) => ({
      ...toChatRow(r),
      lastDate: typeof r.last_date === "bigint" ? r.last_date : 0n,
    }));
  }

  /** Chat info by ROWID (§5.5). */
  chat(chatId: number): ChatRow | undefined {
    const row =
      this.#prepare(`SELECT ROWID AS id, IFNULL(chat_identifier,'') AS identifier, IFNULL(guid,'') AS guid,
      IFNULL(display_name, chat_identifier) AS name, IFNULL(service_name,'') AS service, account_id, account_login,
      last_addressed_handle FROM chat WHERE ROWID = ?`).get(chatId) as Row | undefined;
    return row ? toChatRow(row) : undefined;
  }

  /** Looks a chat up by `chat_identifier` or `guid`. */
  chatBy(column: "chat_identifier" | "guid", value: string): ChatRow | undefined {
    const row =
      this.#prepare(`SELECT ROWID AS id, IFNULL(chat_identifier,'') AS identifier, IFNULL(guid,'') AS guid,
      IFNULL(display_name, chat_identifier) AS name, IFNULL(service_name,'') AS service, account_id, account_login,
      last_addressed_handle FROM chat WHERE ${column} = ? ORDER BY ROWID LIMIT 1`).get(value) as
        | Row
        | undefined;
    return row ? toChatRow(row) : undefined;
  }

  /** The §5.5 participants query, sorted and deduplicated. */
  participants(chatId: number): string[] {
    const rows =
      this.#prepare(`SELECT h.id AS id FROM chat_handle_join chj JOIN handle h ON h.ROWID = chj.handle_id
      WHERE chj.chat_id = ? ORDER BY h.id`).all(chatId) as Row[];
    return [...new Set(rows.map((r) => str(r.id)))];
  }

  /** Unread inbound messages of a chat (0.13+ `unread_count`). */
  unreadCount(chatId: number): number {
    const row =
      this.#prepare(`SELECT COUNT(*) AS n FROM message m JOIN chat_message_join cmj ON m.ROWID = cmj.message_id
      WHERE cmj.chat_id = ? AND m.is_from_me = 0 AND IFNULL(m.is_read,0) = 0 AND ${REACTION_EXCLUSION}`).get(
        chatId,
      ) as Row;
    return num(row.n);
  }
}

function toChatRow(r: Row): ChatRow {
  return {
    id: num(r.id),
    identifier: str(r.identifier),
    guid: str(r.guid),
    name: str(r.name),
    service: str(r.service),
    accountId: r.account_id === null || r.account_id === undefined ? null : str(r.account_id),
    accountLogin: r.account_login === null || r.account_login === undefined ? null : str(r.account_login),
    lastAddressedHandle:
      r.last_addressed_handle === null || r.last_addressed_handle === undefined
        ? null
        : str(r.last_addressed_handle),
  };
}

function unescapeXml(text: string): string {
  return text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");
}
