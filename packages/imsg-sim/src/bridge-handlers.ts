import { encodeAttributedBody } from "./attributed-body.ts";
import { recordBridgeCall } from "./bridge-journal.ts";
import { normalizeHandle, stripServicePrefix } from "./handle-normalizer.ts";
import { messageText } from "./message-payload.ts";
import type { ChatRow } from "./message-store.ts";
import type { RpcContext, SimDatabase } from "./rpc-context.ts";
import { internalError, invalidParams, RPC_CODES, RpcError } from "./rpc-error.ts";
import type { Params } from "./rpc-params.ts";
import type { CompatMode } from "./sim-options.ts";
import { tapbackKindOf, tapbackText, tapbackType } from "./tapback-kinds.ts";

const BRIDGE_TEXT =
  "IMCore bridge is not running; start it with `imsg launch` (SIP off), or run imsg-sim with IMSG_SIM_BRIDGE=1";

/** What imsg answers a bridge-only call when the bridge is down: -32603 (0.9) or -32003 (0.15). */
export function bridgeNotRunning(mode: CompatMode): RpcError {
  return mode === "0.9" ? internalError(BRIDGE_TEXT) : new RpcError(RPC_CODES.bridgeNotRunning, BRIDGE_TEXT);
}

/** imsg's spelling of a kind in results (`emphasize`, where chat.db payloads say `emphasis`). */
const RESULT_NAMES: Record<string, string> = { emphasis: "emphasize" };

/**
 * The bridge methods of imsg-sim's bridge mode (`IMSG_SIM_BRIDGE=1`): `typing` and `read` on an existing chat,
 * `tapback` writing the reaction row Messages writes. Every call is journaled (see bridge-journal.ts).
 */
export class BridgeService {
  readonly #ctx: RpcContext;

  constructor(ctx: RpcContext) {
    this.#ctx = ctx;
  }

  /** `typing {target, typing = true}` → `{ok:true}`; journaled, nothing written to chat.db (as on a Mac). */
  typing(params: Params): { ok: true } {
    const database = this.#ctx.database();
    const chat = this.#chat(database, params);
    if (chat === undefined) throw invalidParams("missing chat identifier or guid");
    const typing = params.bool("typing") ?? true;
    recordBridgeCall(database.db, { method: "typing", chatId: chat.id, chatGuid: chat.guid, typing });
    return { ok: true };
  }

  /** `read {target}` → `{ok:true}`: every unread inbound row of the chat gets `is_read = 1` and `date_read`. */
  read(params: Params): { ok: true } {
    const database = this.#ctx.database();
    const chat = this.#chat(database, params);
    if (chat === undefined) throw invalidParams("missing chat identifier or guid");
    const now = database.writer.nextDateNs();
    const changed = database.db
      .prepare(
        `UPDATE message SET is_read = 1, date_read = ? WHERE is_from_me = 0 AND IFNULL(is_read, 0) = 0
         AND ROWID IN (SELECT message_id FROM chat_message_join WHERE chat_id = ?)`,
      )
      .run(now, chat.id);
    recordBridgeCall(database.db, {
      method: "read",
      chatId: chat.id,
      chatGuid: chat.guid,
      marked: Number(changed.changes),
    });
    return { ok: true };
  }

  /**
   * `tapback {message_guid, reaction, remove?, target?}` → `{ok, reaction, id, guid}`: an own row with
   * `associated_message_guid = p:0/<target>`, type 2000–2005 (3000–3005 to remove) and the text Messages stores
   * (`Loved “…”`), joined to the target's chat.
   */
  tapback(params: Params): Record<string, unknown> {
    const targetGuid = params.str("message_guid") ?? "";
    if (targetGuid === "") throw invalidParams("message_guid is required");
    const given = params.str("reaction") ?? "";
    if (given === "") throw invalidParams("reaction is required");
    const prefixed = given.toLowerCase().startsWith("remove-");
    const kind = tapbackKindOf(prefixed ? given.slice("remove-".length) : given);
    if (kind === undefined) {
      throw invalidParams(
        `unsupported reaction: ${given} (use love, like, dislike, laugh, emphasize or question)`,
      );
    }
    const remove = prefixed || params.bool("remove") === true;
    const database = this.#ctx.database();
    const target = database.store.byGuid(targetGuid);
    if (!target || target.chatId === null) throw invalidParams(`message not found: ${targetGuid}`);
    const named = this.#chat(database, params);
    if (named !== undefined && named.id !== target.chatId) {
      throw invalidParams(`message ${targetGuid} is not in chat ${named.id}`);
    }
    const chat = named ?? database.store.chat(target.chatId);
    if (!chat) throw invalidParams(`message not found: ${targetGuid}`);
    const text = tapbackText(kind, messageText(target), remove);
    const { writer } = database;
    const row = writer.transaction(() => {
      const written = writer.insertMessage({
        text,
        attributedBody: encodeAttributedBody(text),
        handleId: 0,
        service: chat.service || "iMessage",
        isFromMe: true,
        destinationCallerId: this.#ctx.options.selfHandle,
        associatedGuid: `p:0/${targetGuid}`,
        associatedType: tapbackType(kind, remove),
      });
      writer.joinMessage(chat.id, written.id, written.dateNs);
      return written;
    });
    this.#ctx.localWrite();
    const name = RESULT_NAMES[kind] ?? kind;
    recordBridgeCall(database.db, {
      method: "tapback",
      chatId: chat.id,
      chatGuid: chat.guid,
      messageGuid: targetGuid,
      reaction: name,
      remove,
      reactionGuid: row.guid,
    });
    return { ok: true, reaction: remove ? `remove-${name}` : name, id: row.id, guid: row.guid };
  }

  /** The existing chat a target names (`to` | `chat_id` | `chat_identifier` | `chat_guid`); undefined if none given. */
  #chat(database: SimDatabase, params: Params): ChatRow | undefined {
    const { store } = database;
    const to = params.str("to") ?? "";
    const keys = (["chat_id", "chat_identifier", "chat_guid"] as const).filter((key) => params.has(key));
    if (to !== "" && keys.length > 0) throw invalidParams("use to or chat_*; not both");
    if (this.#ctx.options.compat === "0.15" && keys.length > 1) {
      throw invalidParams("use exactly one of chat_id, chat_identifier, chat_guid");
    }
    let chat: ChatRow | undefined;
    let described: string;
    if (to !== "") {
      const handle = normalizeHandle(stripServicePrefix(to), params.str("region") ?? "US");
      described = to;
      chat = store.chatBy("chat_identifier", handle);
    } else if (params.has("chat_id")) {
      const id = params.int("chat_id") as number;
      described = String(id);
      chat = store.chat(id);
    } else if (params.has("chat_identifier")) {
      described = params.str("chat_identifier") as string;
      chat = store.chatBy("chat_identifier", described);
    } else if (params.has("chat_guid")) {
      described = params.str("chat_guid") as string;
      chat = store.chatBy("guid", described);
    } else {
      return undefined;
    }
    if (!chat) throw invalidParams(`Chat not found: ${described}`);
    return chat;
  }
}
