/**
 * Checks a send target before anything is queued or sent (issue 10, item 6), and explains a failed send.
 * One implementation for the gateway's control API and the CLI's direct path, so both refuse the same
 * targets with the same words: a malformed target or an unknown prefix (`ImessageTargetError`), a chat imsg
 * does not know (`ImessageChatNotFoundError`), a bare short number that is a chat row id in disguise
 * (openclaw/openclaw#125461). Phone numbers and emails of new recipients pass: imsg creates their chat.
 */
import { looksLikeContactName, stripServicePrefix } from "./handle.ts";
import { ImessageChatNotFoundError, ImessageTargetError } from "./imessage-errors.ts";
import type { ImsgChat, ImsgPort } from "./imsg-port.ts";
import { classifySendError } from "./send-error-kind.ts";
import { type ImessageTarget, parseTarget, TARGET_FORMS } from "./target.ts";

/** Options of {@link checkSendTarget}. */
export interface CheckSendTargetOptions {
  /** imsg, to look chats up. */
  port: Pick<ImsgPort, "listChats" | "getChat">;
  /** Region for phone numbers without a country code. */
  region: string;
  /** The account's service (a target's own `imessage:`/`sms:`/`auto:` prefix wins). */
  service: "imessage" | "sms" | "auto";
  /** Chats listed to find a `chat_guid:`/`chat_identifier:` target. Default 10 000. */
  listLimit?: number;
}

/** A target that may be sent to. */
export interface CheckedSendTarget {
  target: ImessageTarget;
  /** The chat it names, when it names a known chat. */
  chatId?: number;
  /** False when imsg could not be asked (not running yet): the target's grammar was checked, not its chat. */
  verified: boolean;
}

/** A bare number this short is no phone number (the shortest subscriber numbers have 7 digits). */
const SHORT_NUMBER = /^\d{1,6}$/;
/** A DM chat guid (`iMessage;-;+1555…`): imsg sends to its handle even when the chat does not exist yet. */
const DM_GUID = /^(iMessage|SMS|any);-;.+$/;

/**
 * The grammar half of {@link checkSendTarget}, without imsg: parses `input` and refuses a bare short number
 * (a chat row id in disguise) unless the send is SMS. Cheap, so callers run it before starting imsg.
 * @throws {ImessageTargetError} when it is malformed, has an unknown prefix, or is a bare short number.
 */
export function parseSendTarget(
  input: string,
  options: Pick<CheckSendTargetOptions, "region" | "service">,
): ImessageTarget {
  const target = parseTarget(input, { region: options.region });
  if (target.kind !== "handle") return target;
  const service = target.service ?? options.service;
  if (!target.contactName && service !== "sms" && SHORT_NUMBER.test(target.handle)) {
    throw new ImessageTargetError(
      input,
      `"${input}" is not a phone number: for chat ${target.handle} write chat_id:${target.handle}, for an SMS short code sms:${target.handle}; accepted targets: ${TARGET_FORMS}.`,
    );
  }
  return target;
}

/**
 * Checks `input` as a send target: {@link parseSendTarget}, then that a chat target names a chat imsg knows.
 * @throws {ImessageTargetError} when it is malformed, has an unknown prefix, or is a bare short number.
 * @throws {ImessageChatNotFoundError} when it names a chat imsg does not know.
 */
export async function checkSendTarget(
  input: string,
  options: CheckSendTargetOptions,
): Promise<CheckedSendTarget> {
  const target = parseSendTarget(input, options);
  if (target.kind === "handle") return { target, verified: true };
  let chat: ImsgChat | undefined;
  try {
    chat = await findChat(target, options);
  } catch {
    // imsg cannot be asked now (starting, restarting): the outbox holds the send until it can.
    return { target, verified: false };
  }
  if (chat) return { target, chatId: chat.id, verified: true };
  if (target.kind === "chat_guid" && DM_GUID.test(target.chatGuid)) return { target, verified: true };
  // imsg sends a chat_identifier that looks like a handle (phone, email, service prefix) to that handle.
  if (
    target.kind === "chat_identifier" &&
    !looksLikeContactName(stripServicePrefix(target.chatIdentifier).rest)
  ) {
    return { target, verified: true };
  }
  throw new ImessageChatNotFoundError(
    input,
    `No chat ${input} on this account; list chats with \`imgate chats\` and use chat_id:N from there.`,
  );
}

async function findChat(
  target: Exclude<ImessageTarget, { kind: "handle" }>,
  options: CheckSendTargetOptions,
): Promise<ImsgChat | undefined> {
  const list = () => options.port.listChats({ limit: options.listLimit ?? 10_000 });
  switch (target.kind) {
    case "chat_id":
      return options.port.getChat
        ? await options.port.getChat(target.chatId)
        : (await list()).find((chat) => chat.id === target.chatId);
    case "chat_guid":
      return (await list()).find((chat) => chat.guid === target.chatGuid);
    case "chat_identifier":
      return (await list()).find((chat) => chat.identifier === target.chatIdentifier);
  }
}

/** Stable codes of {@link SendFailure}. */
export type SendFailureCode = "contact_unresolved" | "send_rejected" | "send_failed" | "send_uncertain";

/** Why a send did not go out, for people and for `--json`. */
export interface SendFailure {
  code: SendFailureCode;
  message: string;
}

const INVALID_PARAMS = -32602;
/** Shapes of chat identifiers people paste as bare targets (openclaw/openclaw#89235, openclaw/imsg#16). */
const CHAT_IDENTIFIER_LIKE = /^(chat\d+|[0-9a-f]{32})$/i;

/**
 * Explains a failed send of `input` from the error imsg (or the delivery) gave: an unresolvable contact name
 * (imsg -32602 for a name), another refusal by imsg (-32602), an outcome imsg could not confirm, or a failure.
 */
export function describeSendFailure(error: unknown, input: string, target?: ImessageTarget): SendFailure {
  const rpc = findRpcError(error);
  const detail = (rpc ? rpcDetail(rpc) : errorMessage(error)).replace(/\.$/, "");
  if (rpc?.rpcCode === INVALID_PARAMS && target?.kind === "handle" && target.contactName) {
    const hint = CHAT_IDENTIFIER_LIKE.test(target.handle)
      ? ` "${target.handle}" looks like a chat identifier: write chat_identifier:${target.handle}.`
      : "";
    return {
      code: "contact_unresolved",
      message: `imsg could not resolve the contact name "${target.handle}" (no contact or more than one matches; imsg answered -32602: ${detail}). Send to a phone number or email, or to chat_id:N from \`imgate chats\`.${hint}`,
    };
  }
  if (rpc?.rpcCode === INVALID_PARAMS) {
    return { code: "send_rejected", message: `imsg refused the send to ${input} (-32602): ${detail}.` };
  }
  if (classifySendError(rpc ?? error).kind === "unknown") {
    return {
      code: "send_uncertain",
      message: `imsg did not confirm the send to ${input} (${detail}); check the chat before sending again.`,
    };
  }
  return { code: "send_failed", message: `Sending to ${input} failed: ${detail}.` };
}

interface RpcErrorLike {
  rpcCode: number;
  data?: unknown;
  rpcMessage?: string;
  message?: string;
}

/** The imsg JSON-RPC error in `error`'s cause chain (imsg-rpc's `ImsgResponseError` shape). */
function findRpcError(error: unknown): RpcErrorLike | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (typeof (current as { rpcCode?: unknown }).rpcCode === "number") return current as RpcErrorLike;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function rpcDetail(error: RpcErrorLike): string {
  if (typeof error.data === "string" && error.data !== "") return error.data;
  if (error.data && typeof error.data === "object") {
    const detail = (error.data as { detail?: unknown }).detail;
    if (typeof detail === "string") return detail;
  }
  return error.rpcMessage ?? error.message ?? "no detail";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
