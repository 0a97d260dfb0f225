/**
 * Allowlist matching for channel-core's policy (channel-behavior §6.3): `"*"`, handles (compared after
 * normalisation with the account's region), and `chat_id:`/`chat_guid:`/`chat_identifier:` entries.
 * imgate addition: an `imessage:` or `sms:` prefix on a handle entry restricts it to that service (an SMS
 * sender cannot pass as an `imessage:`-allowlisted handle); bare and `auto:` entries match either service.
 */
import { normalizeHandle, splitChatPrefix, stripServicePrefix } from "./handle.ts";

/** What an allowlist entry is compared against. */
export interface AllowSubject {
  /** Sender handle as reported by imsg. */
  sender: string;
  /** The conversation's chat id, when known. */
  chatId?: number;
  /** The conversation's guid, when known. */
  chatGuid?: string;
  /** The conversation's identifier, when known. */
  chatIdentifier?: string;
  /**
   * The conversation's service ({@link serviceOfChatGuid}). `"unknown"` (e.g. macOS 26 `any;` guids) never
   * matches a service-prefixed entry (fail closed); omitted, the prefix is not checked (library callers that
   * do not track the service).
   */
  service?: MessageService;
}

/** The service a conversation runs on, as far as its chat guid tells. */
export type MessageService = "imessage" | "sms" | "unknown";

/** `iMessage;-;…` → `imessage`; `SMS;…` and `RCS;…` → `sms`; anything else (`any;…`, empty) → `unknown`. */
export function serviceOfChatGuid(chatGuid: string | undefined): MessageService {
  const prefix = (chatGuid ?? "").split(";", 1)[0]?.toLowerCase();
  if (prefix === "imessage") return "imessage";
  if (prefix === "sms" || prefix === "rcs") return "sms";
  return "unknown";
}

/** Options for {@link matchAllowlist}. */
export interface AllowlistOptions {
  /** Region for phone numbers. Default `US`. */
  region?: string;
  /**
   * Whether chat entries (`chat_id:` etc.) may match. They identify a conversation, not a person: the gateway
   * lets them admit that conversation, DM or group (issue 10 item 7; the original docs' own `chat_id:N`
   * example); pass `false` where only a person's handle may count. Default `true`.
   */
  chatEntries?: boolean;
}

/** Result of {@link matchAllowlist}. */
export interface AllowlistMatch {
  /** Whether some entry matched. An empty list never matches (fail closed). */
  allowed: boolean;
  /** The matching entry as written. */
  entry?: string;
  /** What kind of entry matched. */
  by?: "wildcard" | "handle" | "chat";
}

/** Whether one entry matches the subject. */
export function matchesAllowEntry(
  entry: string | number,
  subject: AllowSubject,
  options: AllowlistOptions = {},
): "wildcard" | "handle" | "chat" | undefined {
  const raw = String(entry).trim();
  if (raw === "") return undefined;
  if (raw === "*") return "wildcard";
  const { rest, service } = stripServicePrefix(raw);
  const chat = splitChatPrefix(rest);
  if (chat) {
    if (options.chatEntries === false) return undefined;
    if (chat.kind === "chat_id") {
      // Digits only (issue #17362): "12abc" must never match chat 12.
      return /^\d+$/.test(chat.value) && subject.chatId !== undefined && Number(chat.value) === subject.chatId
        ? "chat"
        : undefined;
    }
    if (chat.value === "") return undefined;
    if (chat.kind === "chat_guid") return subject.chatGuid === chat.value ? "chat" : undefined;
    return subject.chatIdentifier === chat.value ? "chat" : undefined;
  }
  const sender = subject.sender.trim();
  if (sender === "") return undefined;
  if ((service === "imessage" || service === "sms") && subject.service !== undefined) {
    if (subject.service !== service) return undefined;
  }
  return normalizeHandle(rest, options) === normalizeHandle(sender, options) ? "handle" : undefined;
}

/** Matches a subject against an allowlist; the first matching entry wins. */
export function matchAllowlist(
  entries: ReadonlyArray<string | number>,
  subject: AllowSubject,
  options: AllowlistOptions = {},
): AllowlistMatch {
  for (const entry of entries) {
    const by = matchesAllowEntry(entry, subject, options);
    if (by) return { allowed: true, entry: String(entry).trim(), by };
  }
  return { allowed: false };
}
