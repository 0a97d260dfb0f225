/**
 * Handle normalisation (channel-behavior §6.2 with decision Q3): phone numbers become E.164 using the
 * account's `region` (libphonenumber-js), emails are lower-cased, chat targets are canonicalised, and
 * anything else is kept trimmed and lower-cased — never collapsed to "+".
 */

import type { CountryCode } from "libphonenumber-js";
import { parsePhoneNumberFromString } from "libphonenumber-js";

const SERVICE_PREFIX = /^(imessage|sms|auto):/i;
const PHONE_LIKE = /^\+?[\d\s().\-/]+$/;

/** Chat prefixes and their canonical spelling; longer spellings first so `chat:` does not shadow them. */
export const CHAT_PREFIXES: ReadonlyArray<readonly [string, "chat_id" | "chat_guid" | "chat_identifier"]> = [
  ["chat_identifier:", "chat_identifier"],
  ["chatidentifier:", "chat_identifier"],
  ["chatident:", "chat_identifier"],
  ["chat_guid:", "chat_guid"],
  ["chatguid:", "chat_guid"],
  ["guid:", "chat_guid"],
  ["chat_id:", "chat_id"],
  ["chatid:", "chat_id"],
  ["chat:", "chat_id"],
];

/** Options for handle normalisation. */
export interface NormalizeHandleOptions {
  /** Two-letter region used for numbers without a country code. Default `US`. */
  region?: string;
}

/** Strips `imessage:` / `sms:` / `auto:` prefixes (repeatedly) and returns the rest, trimmed. */
export function stripServicePrefix(value: string): { rest: string; service?: "imessage" | "sms" | "auto" } {
  let rest = value.trim();
  let service: "imessage" | "sms" | "auto" | undefined;
  for (let match = SERVICE_PREFIX.exec(rest); match; match = SERVICE_PREFIX.exec(rest)) {
    service ??= match[1]!.toLowerCase() as "imessage" | "sms" | "auto";
    rest = rest.slice(match[0].length).trim();
  }
  return service ? { rest, service } : { rest };
}

/** Splits a chat-prefixed value into its canonical kind and the trimmed value (case kept). */
export function splitChatPrefix(
  value: string,
): { kind: "chat_id" | "chat_guid" | "chat_identifier"; value: string } | undefined {
  const lower = value.toLowerCase();
  for (const [prefix, kind] of CHAT_PREFIXES) {
    if (lower.startsWith(prefix)) return { kind, value: value.slice(prefix.length).trim() };
  }
  return undefined;
}

/**
 * A phone number in E.164 (`+15551234567`), or `undefined` when `value` is not phone-like.
 * `5551234567` with region US gives `+15551234567`; an explicit `+` country code wins over the region.
 */
export function normalizePhoneNumber(value: string, region = "US"): string | undefined {
  // Pure and hot (every allowlist entry is normalised for every inbound message): memoised.
  const key = `${region}\u0000${value}`;
  if (phoneCache.has(key)) return phoneCache.get(key);
  const normalized = parsePhone(value, region);
  if (phoneCache.size >= PHONE_CACHE_MAX) phoneCache.clear();
  phoneCache.set(key, normalized);
  return normalized;
}

const PHONE_CACHE_MAX = 10_000;
const phoneCache = new Map<string, string | undefined>();

function parsePhone(value: string, region: string): string | undefined {
  const trimmed = value.trim();
  if (!PHONE_LIKE.test(trimmed)) return undefined;
  const digits = trimmed.replace(/\D/g, "");
  if (digits.length < 3) return undefined;
  const parsed = parsePhoneNumberFromString(trimmed, region.toUpperCase() as CountryCode);
  if (parsed?.isPossible()) return parsed.number;
  // Not a possible number for any region (short codes, odd lengths): keep the digits, never invent a country.
  return trimmed.startsWith("+") ? `+${digits}` : digits;
}

/**
 * The normalised form of a handle or chat target, for allowlists, pairing ids and session keys.
 * Service prefixes are dropped; `chat_id:`/`chat_guid:`/`chat_identifier:` are canonicalised.
 */
export function normalizeHandle(raw: string, options: NormalizeHandleOptions = {}): string {
  const { rest } = stripServicePrefix(raw);
  const chat = splitChatPrefix(rest);
  if (chat) return `${chat.kind}:${chat.value}`;
  if (rest.includes("@")) return rest.toLowerCase();
  return normalizePhoneNumber(rest, options.region) ?? rest.toLowerCase();
}

/**
 * Whether `value` (without a service prefix) is a contact name rather than a phone number or email — imsg's own
 * rule for `send`'s `to` (protocol §2.4): no `@`, no leading `+`, and not only phone characters. imsg resolves
 * names through Contacts and answers -32602 when none or several match.
 */
export function looksLikeContactName(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed.includes("@") || trimmed.startsWith("+")) return false;
  return !/^[\d\s().-]+$/.test(trimmed);
}
