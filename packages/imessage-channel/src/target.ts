/**
 * Send targets (channel-behavior §11.4): `chat_id:` (also `chatid:`/`chat:`; digits only — issue #17362),
 * `chat_guid:`, `chat_identifier:`, and handles with an optional `imessage:`/`sms:`/`auto:` service prefix.
 * Any other `word:` prefix is refused (it never names a recipient); a bare name is a contact name for imsg.
 */
import { looksLikeContactName, normalizeHandle, splitChatPrefix, stripServicePrefix } from "./handle.ts";
import { ImessageTargetError } from "./imessage-errors.ts";

/** A parsed send target. */
export type ImessageTarget =
  | { kind: "chat_id"; chatId: number }
  | { kind: "chat_guid"; chatGuid: string }
  | { kind: "chat_identifier"; chatIdentifier: string }
  | {
      kind: "handle";
      /** Normalised handle (E.164 phone, lower-cased email, …). */
      handle: string;
      /** Service from the target's own prefix; absent when the target had none (the account's applies). */
      service?: "imessage" | "sms" | "auto";
      /**
       * Set when the handle is a contact name (not a phone number or email): imsg resolves it through
       * Contacts and refuses it (-32602) when no contact or several match. `handle` keeps the name as typed.
       */
      contactName?: true;
    };

/** The target forms `imgate send` and `POST /v1/send` accept, for error messages. */
export const TARGET_FORMS =
  "chat_id:N (from `imgate chats`), chat_guid:GUID, chat_identifier:ID, or a phone number or email (optionally prefixed imessage:, sms: or auto:)";

/** `word:` at the start of a target: a prefix, unless it is a known one. */
const PREFIX = /^([A-Za-z][\w.+-]*):/;

/** Options for {@link parseTarget}. */
export interface ParseTargetOptions {
  /** Region for phone numbers without a country code. Default `US`. */
  region?: string;
}

/**
 * Parses a target string.
 * @throws {ImessageTargetError} for `chat_id:` values that are not digits, empty chat values and empty handles.
 */
export function parseTarget(input: string, options: ParseTargetOptions = {}): ImessageTarget {
  const { rest, service } = stripServicePrefix(input);
  const chat = splitChatPrefix(rest);
  if (chat) {
    if (chat.kind === "chat_id") {
      if (!/^\d+$/.test(chat.value)) {
        throw new ImessageTargetError(
          input,
          `Invalid chat_id "${chat.value}" in target "${input}": use digits only (e.g. chat_id:42); list chats with "imgate chats".`,
        );
      }
      const chatId = Number(chat.value);
      if (!Number.isSafeInteger(chatId)) {
        throw new ImessageTargetError(
          input,
          `chat_id "${chat.value}" is too large; use a chat id from "imgate chats".`,
        );
      }
      return { kind: "chat_id", chatId };
    }
    if (chat.value === "") {
      throw new ImessageTargetError(
        input,
        `Empty ${chat.kind} in target "${input}": give a value after the colon.`,
      );
    }
    return chat.kind === "chat_guid"
      ? { kind: "chat_guid", chatGuid: chat.value }
      : { kind: "chat_identifier", chatIdentifier: chat.value };
  }
  if (rest === "") {
    throw new ImessageTargetError(input, `Empty target "${input}": give a phone number, email or chat_id:N.`);
  }
  const prefix = rest.includes("@") ? undefined : PREFIX.exec(rest);
  if (prefix) {
    throw new ImessageTargetError(
      input,
      `Unknown prefix "${prefix[1]}:" in target "${input}"; use ${TARGET_FORMS}.`,
    );
  }
  if (looksLikeContactName(rest)) {
    return service
      ? { kind: "handle", handle: rest, service, contactName: true }
      : { kind: "handle", handle: rest, contactName: true };
  }
  const handle = normalizeHandle(rest, options);
  return service ? { kind: "handle", handle, service } : { kind: "handle", handle };
}

/** Formats a target back into its canonical string (`chat_id:42`, `imessage:+15551234567`, …). */
export function formatTarget(target: ImessageTarget): string {
  switch (target.kind) {
    case "chat_id":
      return `chat_id:${target.chatId}`;
    case "chat_guid":
      return `chat_guid:${target.chatGuid}`;
    case "chat_identifier":
      return `chat_identifier:${target.chatIdentifier}`;
    case "handle":
      return target.service ? `${target.service}:${target.handle}` : target.handle;
  }
}

/** Whether `input` looks like an iMessage target (a prefix, an email, or 3+ digits). */
export function looksLikeTarget(input: string): boolean {
  const value = input.trim();
  if (/^(imessage|sms|auto):/i.test(value) || splitChatPrefix(value)) return true;
  if (value.includes("@")) return true;
  return /^\+?\d{3,}$/.test(value.replace(/[\s().-]/g, ""));
}
