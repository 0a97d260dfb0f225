import { existsSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { bridgeNotRunning } from "./bridge-handlers.ts";
import { searchContacts } from "./contact-book.ts";
import {
  looksLikeContactName,
  looksLikeHandle,
  normalizeHandle,
  stripServicePrefix,
} from "./handle-normalizer.ts";
import { expandHome } from "./home-path.ts";
import { type MirrorRow, writeMirrorRow } from "./mirror-row.ts";
import { type SendOutcome, writeOutgoing } from "./outgoing-sender.ts";
import type { RpcContext, SimDatabase } from "./rpc-context.ts";
import { internalError, invalidParams, RPC_CODES, RpcError } from "./rpc-error.ts";
import type { Params } from "./rpc-params.ts";

const SERVICES = ["imessage", "sms", "auto"] as const;
const TRANSPORTS = ["auto", "bridge", "applescript"] as const;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A resolved send target. */
interface Target {
  chatId: number;
  service: string;
}

/** `send`, `send.tracked` and `message.send_status`, with the send faults and quirks of SimOptions. */
export class SendService {
  readonly #ctx: RpcContext;
  readonly #pendingCorrections = new Map<number, NodeJS.Timeout>();
  readonly #pendingMirrors = new Map<NodeJS.Timeout, MirrorRow>();

  constructor(ctx: RpcContext) {
    this.#ctx = ctx;
    ctx.atShutdown(() => {
      this.#flushCorrections();
      this.#flushMirrors();
    });
  }

  /** `send` (§2.4): validation, target resolution, rows written, `{ok, transport, id?, guid?}`. */
  async send(params: Params): Promise<Record<string, unknown>> {
    const text = params.str("text") ?? "";
    const file = params.str("file") ?? "";
    if (text === "" && file === "") throw invalidParams("text or file is required");
    this.#validateService(params);
    const transport = params.str("transport");
    if (transport !== undefined && !(TRANSPORTS as readonly string[]).includes(transport)) {
      throw invalidParams("invalid transport");
    }
    const replyTo = this.#replyTo(params);
    const database = this.#ctx.database();
    const target = this.#resolveTarget(database, params);
    let filePath: string | undefined;
    if (file !== "") {
      filePath = expandHome(file);
      if (!existsSync(filePath) || !statSync(filePath).isFile()) {
        throw internalError(`AppleScript failed: Attachment not found at ${filePath}`);
      }
    }
    const outcome = await this.#deliver(database, target, text, { file: filePath, replyTo });
    const observed =
      text !== "" ? outcome.text : this.#ctx.options.compat === "0.15" ? outcome.file : undefined;
    const result: Record<string, unknown> = { ok: true, transport: "applescript" };
    if (observed) {
      result.id = observed.id;
      result.guid = observed.guid;
    }
    return result;
  }

  /** `send.tracked` (0.15): a text send whose guid is the caller's `attempt_id`. */
  async sendTracked(params: Params): Promise<Record<string, unknown>> {
    const attemptId = params.str("attempt_id");
    if (attemptId === undefined) throw invalidParams("attempt_id is required");
    if (!UUID_PATTERN.test(attemptId)) throw invalidParams("attempt_id must be a UUID");
    const text = params.str("text") ?? "";
    if (text === "") throw invalidParams("text is required");
    this.#validateService(params);
    const replyTo = this.#replyTo(params);
    const database = this.#ctx.database();
    if (database.store.byGuid(attemptId)) {
      throw invalidParams(
        `attempt_id ${attemptId} was already used; ask message.send_status instead of resending`,
      );
    }
    const target = this.#resolveTarget(database, params);
    const outcome = await this.#deliver(database, target, text, { guid: attemptId, replyTo });
    return {
      ok: true,
      transport: "bridge",
      attempt_id: attemptId,
      guid: attemptId,
      message_id: attemptId,
      id: outcome.text?.id,
    };
  }

  /** `message.send_status` (0.15): rows reported by guid; unknown → `pending` with `status_fields: null`. */
  sendStatus(params: Params): Record<string, unknown> {
    const guid = params.str("guid");
    if (guid === undefined || guid === "") throw invalidParams("guid is required");
    const { store, db } = this.#ctx.database();
    const checkedAt = new Date().toISOString();
    const row = store.byGuid(guid);
    if (!row) return { ok: true, guid, send_state: "pending", checked_at: checkedAt, status_fields: null };
    const service = db
      .prepare("SELECT IFNULL(service,'') AS s FROM message WHERE ROWID = ?")
      .get(row.rowid) as {
      s: string;
    };
    return {
      ok: true,
      guid,
      send_state: "sent",
      service: service.s,
      checked_at: checkedAt,
      status_fields: {
        is_sent: true,
        is_delivered: false,
        is_finished: true,
        is_from_me: row.isFromMe,
        error: 0,
        date_delivered: 0,
        date_read: 0,
      },
    };
  }

  /**
   * The thread originator of an inline reply. 0.9's `send` has no `reply_to` (threaded replies were `send.rich`),
   * so it is ignored there; 0.15 sends it through the bridge, so without the bridge it fails (-32003) before
   * anything is written.
   */
  #replyTo(params: Params): string | undefined {
    if (this.#ctx.options.compat === "0.9") return undefined;
    const replyTo = params.str("reply_to");
    if (replyTo === undefined || replyTo === "") return undefined;
    if (!this.#ctx.options.bridge) throw bridgeNotRunning("0.15");
    return replyTo;
  }

  #validateService(params: Params): void {
    const service = params.str("service");
    if (service !== undefined && !(SERVICES as readonly string[]).includes(service)) {
      throw invalidParams("invalid service");
    }
  }

  /**
   * A contact name becomes its one matching contact's handle; a name no contact or several match is -32602
   * (both versions), so it never becomes a new chat. Phone numbers and emails pass unchanged.
   */
  #resolveName(to: string): string {
    if (!looksLikeContactName(to)) return to;
    const matches = searchContacts(this.#ctx.options.contacts, stripServicePrefix(to.trim()));
    if (matches.length === 1) return matches[0]!.handle;
    if (matches.length === 0) {
      throw invalidParams(`No contact matches "${to}"; specify a phone number or email instead.`);
    }
    const list = matches.map((match) => `  ${match.name}: ${match.handle}`).join("\n");
    throw invalidParams(
      `Multiple contacts match "${to}":\n${list}\nSpecify a phone number or email instead.`,
    );
  }

  #resolveTarget(database: SimDatabase, params: Params): Target {
    const { store, writer } = database;
    const to = params.str("to") ?? "";
    const chatKeys = (["chat_id", "chat_identifier", "chat_guid"] as const).filter((key) => params.has(key));
    if (to !== "" && chatKeys.length > 0) throw invalidParams("use to or chat_*; not both");
    if (this.#ctx.options.compat === "0.15" && chatKeys.length > 1) {
      throw invalidParams("use exactly one of chat_id, chat_identifier, chat_guid");
    }
    if (to === "" && chatKeys.length === 0) throw invalidParams("to is required for direct sends");
    if (to !== "") {
      const service = params.str("service") === "sms" ? "SMS" : "iMessage";
      const handle = normalizeHandle(this.#resolveName(to), params.str("region") ?? "US");
      return { chatId: writer.ensureDmChat(handle, service), service };
    }
    const chatId = params.int("chat_id");
    if (chatId !== undefined) {
      const chat = store.chat(chatId);
      if (!chat) throw invalidParams(`unknown chat_id ${chatId}`);
      return { chatId: chat.id, service: chat.service || "iMessage" };
    }
    const identifier = params.str("chat_identifier");
    if (identifier !== undefined) {
      const chat = store.chatBy("chat_identifier", identifier);
      if (chat) return { chatId: chat.id, service: chat.service || "iMessage" };
      if (looksLikeHandle(identifier)) {
        return {
          chatId: writer.ensureDmChat(stripServicePrefix(identifier), "iMessage"),
          service: "iMessage",
        };
      }
      throw internalError(
        `AppleScript failed: Messages got an error: Can’t get chat id "${identifier}". (-1728)`,
      );
    }
    const guid = params.str("chat_guid") ?? "";
    if (guid === "") throw invalidParams("missing chat identifier or guid");
    const chat = store.chatBy("guid", guid);
    if (chat) return { chatId: chat.id, service: chat.service || "iMessage" };
    const dm = /^(iMessage|SMS|any);-;(.+)$/.exec(guid);
    if (dm?.[2]) {
      const service = dm[1] === "SMS" ? "SMS" : "iMessage";
      return { chatId: writer.ensureDmChat(dm[2], service), service };
    }
    throw internalError(`AppleScript failed: Messages got an error: Can’t get chat id "${guid}". (-1728)`);
  }

  async #deliver(
    database: SimDatabase,
    target: Target,
    text: string,
    extra: { file?: string; guid?: string; replyTo?: string },
  ): Promise<SendOutcome> {
    const { options } = this.#ctx;
    if (options.faults.sendDelayMs > 0) await sleep(options.faults.sendDelayMs);
    const fail = this.#shouldFail(text);
    if (fail && !options.faults.failSendInserts) throw this.#failure();
    const outcome = writeOutgoing(database.writer, {
      chatId: target.chatId,
      service: target.service,
      text,
      file: extra.file,
      guid: extra.guid,
      replyTo: extra.replyTo,
      dbPath: this.#ctx.dbPath,
      selfHandle: options.selfHandle,
      quirks: {
        selfEcho: options.quirks.selfEcho,
        lateFromMe: options.quirks.lateFromMeMs > 0,
        urlPreviewDupes: options.quirks.urlPreviewDupes,
        ...(options.quirks.mirrorRows
          ? { mirrorRows: options.quirks.mirrorDelayMs > 0 ? ("delayed" as const) : ("now" as const) }
          : {}),
        residuePrefix: options.quirks.residuePrefix,
      },
    });
    this.#ctx.localWrite();
    for (const id of outcome.lateFromMe) this.#scheduleCorrection(database, id);
    for (const mirror of outcome.mirrors) this.#scheduleMirror(database, mirror);
    if (fail) throw this.#failure();
    const hold = options.faults.holdSendMatch;
    if (hold !== null && text.includes(hold)) await new Promise<never>(() => {});
    return outcome;
  }

  #shouldFail(text: string): boolean {
    const { faults } = this.#ctx.options;
    if (faults.failSendMatch !== null && text.includes(faults.failSendMatch)) return true;
    if (this.#ctx.failSendsLeft > 0) {
      this.#ctx.failSendsLeft -= 1;
      return true;
    }
    return false;
  }

  #failure(): RpcError {
    const detail =
      "AppleScript failed: Messages got an error: Can’t send the message (imsg-sim fault). (-1708)";
    if (this.#ctx.options.compat === "0.9") return internalError(detail);
    return new RpcError(RPC_CODES.outcomeUnknown, {
      retry_safe: false,
      disposition: "may_have_completed",
      transport: "applescript",
      operation: "send",
      detail,
    });
  }

  #scheduleCorrection(database: SimDatabase, id: number): void {
    const timer = setTimeout(() => {
      this.#pendingCorrections.delete(id);
      database.writer.setFromMe(id, true);
      this.#ctx.localWrite();
    }, this.#ctx.options.quirks.lateFromMeMs);
    this.#pendingCorrections.set(id, timer);
  }

  #scheduleMirror(database: SimDatabase, mirror: MirrorRow): void {
    const timer = setTimeout(() => {
      this.#pendingMirrors.delete(timer);
      writeMirrorRow(database.writer, mirror);
      this.#ctx.localWrite();
    }, this.#ctx.options.quirks.mirrorDelayMs);
    this.#pendingMirrors.set(timer, mirror);
  }

  /** Late mirrors are written at exit at the latest, so a killed client finds them when it comes back. */
  #flushMirrors(): void {
    const database = this.#ctx.databaseReady ? this.#ctx.database() : undefined;
    for (const [timer, mirror] of this.#pendingMirrors) {
      clearTimeout(timer);
      if (database) writeMirrorRow(database.writer, mirror);
    }
    this.#pendingMirrors.clear();
  }

  #flushCorrections(): void {
    const database = this.#ctx.databaseReady ? this.#ctx.database() : undefined;
    for (const [id, timer] of this.#pendingCorrections) {
      clearTimeout(timer);
      database?.writer.setFromMe(id, true);
    }
    this.#pendingCorrections.clear();
  }
}
