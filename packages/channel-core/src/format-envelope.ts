import type { ChatType } from "./envelope.ts";

/**
 * How envelope timestamps are written (config `agents.defaults.envelopeTimezone` and friends).
 */
export interface EnvelopeFormatOptions {
  /**
   * `local` (default; the host's zone), `utc`/`gmt`, `user` (uses `userTimezone`) or an IANA name
   * such as `Europe/Berlin`. An unknown name falls back to UTC.
   */
  timezone?: string;
  /** IANA zone used when `timezone` is `user`; the host's zone when absent. */
  userTimezone?: string;
  /** Write the absolute timestamp; default true (`envelopeTimestamp: "off"` → false). */
  includeTimestamp?: boolean;
  /** Write the `+<elapsed>` since the previous message; default true (`envelopeElapsed: "off"` → false). */
  includeElapsed?: boolean;
}

/** The message this one replies to, as shown in the reply block. */
export interface EnvelopeReplyInput {
  /** Sender of the quoted message; `unknown sender` when absent. */
  sender?: string;
  /** Id of the quoted message. */
  id?: string;
  /** Quoted text; no reply block when empty. */
  text: string;
}

/** Inputs of {@link formatEnvelopeText}. */
export interface EnvelopeTextInput {
  /** Channel label at the start of the header, e.g. `iMessage` (supplied by the channel). */
  channelLabel: string;
  /** Conversation label: the sender label for DMs, `<group name> id:<chat id>` for groups. */
  fromLabel: string;
  /** Message text, passed through as sent (decision Q12: a literal `\n` stays two characters). */
  body: string;
  chatType: ChatType;
  /** In groups, the body is prefixed `<senderLabel>: `. See {@link formatSenderLabel}. */
  senderLabel?: string;
  /** Message time, ms since the epoch. */
  timestamp?: number;
  /** Time of the conversation's previous message, for `+<elapsed>`. */
  previousTimestamp?: number;
  replyTo?: EnvelopeReplyInput;
  options?: EnvelopeFormatOptions;
}

/**
 * Formats one inbound message for the agent (behaviour reference §9.2):
 * `[<channel> <from>[ +<elapsed>][ <timestamp>]] [<sender>: ]<body>[<reply block>]`.
 */
export function formatEnvelopeText(input: EnvelopeTextInput): string {
  const options = input.options ?? {};
  const parts = [input.channelLabel.trim() || "Channel"];
  const elapsed =
    options.includeElapsed !== false && input.timestamp !== undefined && input.previousTimestamp !== undefined
      ? formatElapsed(input.timestamp - input.previousTimestamp)
      : undefined;
  const from = input.fromLabel.trim();
  if (from) parts.push(elapsed ? `${from} +${elapsed}` : from);
  else if (elapsed) parts.push(`+${elapsed}`);
  const stamp =
    options.includeTimestamp !== false && input.timestamp !== undefined
      ? formatEnvelopeTimestamp(input.timestamp, options)
      : undefined;
  if (stamp) parts.push(stamp);

  const sender = input.senderLabel?.trim();
  let body = input.chatType === "group" && sender ? `${sender}: ${input.body}` : input.body;
  if (input.replyTo && input.replyTo.text.trim() !== "") {
    const who = input.replyTo.sender?.trim() || "unknown sender";
    const id = input.replyTo.id?.trim() ? ` id:${input.replyTo.id.trim()}` : "";
    body += `\n\n[Replying to ${who}${id}]\n${input.replyTo.text}\n[/Replying]`;
  }
  return `[${parts.join(" ")}] ${body}`;
}

/** `name`, or `name (id)` when the raw id differs from the name. */
export function formatSenderLabel(name: string, id?: string): string {
  const trimmedName = name.trim();
  const trimmedId = id?.trim();
  if (!trimmedId || trimmedId === trimmedName) return trimmedName || trimmedId || "";
  return trimmedName ? `${trimmedName} (${trimmedId})` : trimmedId;
}

/** Header label of a conversation: `<group name or fallback> id:<chat id>` for groups; for DMs the sender, plus ` id:<raw>` when it differs. */
export function formatFromLabel(input: {
  chatType: ChatType;
  groupName?: string;
  groupId?: string;
  groupFallback?: string;
  directLabel?: string;
  directId?: string;
}): string {
  if (input.chatType === "group") {
    const label = input.groupName?.trim() || input.groupFallback || "Group";
    const id = input.groupId?.trim();
    return id ? `${label} id:${id}` : label;
  }
  const label = input.directLabel?.trim() ?? "";
  const id = input.directId?.trim();
  return !id || id === label ? label : `${label} id:${id}`;
}

/** Elapsed time as `<n>s`, `<n>m`, `<n>h` or `<n>d` (floored); `undefined` when negative or not finite. */
export function formatElapsed(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/**
 * `2026-01-17T00:00Z` in UTC; `2026-01-17 01:00 GMT+1` style (zone abbreviation from `Intl`) for local
 * and IANA zones.
 */
export function formatEnvelopeTimestamp(
  timestamp: number,
  options: EnvelopeFormatOptions = {},
): string | undefined {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return undefined;
  const zone = resolveZone(options);
  if (zone === "utc") {
    const iso = date.toISOString();
    return `${iso.slice(0, 16)}Z`;
  }
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone === "local" ? undefined : zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }).formatToParts(date);
  const pick = (type: Intl.DateTimeFormatPartTypes) => parts.find((part) => part.type === type)?.value ?? "";
  const tz = pick("timeZoneName").trim();
  return `${pick("year")}-${pick("month")}-${pick("day")} ${pick("hour")}:${pick("minute")}${tz ? ` ${tz}` : ""}`;
}

function resolveZone(options: EnvelopeFormatOptions): "utc" | "local" | string {
  const raw = options.timezone?.trim() ?? "";
  const lowered = raw.toLowerCase();
  if (lowered === "" || lowered === "local" || lowered === "host") return "local";
  if (lowered === "utc" || lowered === "gmt") return "utc";
  if (lowered === "user")
    return options.userTimezone && isTimeZone(options.userTimezone) ? options.userTimezone : "local";
  return isTimeZone(raw) ? raw : "utc";
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
