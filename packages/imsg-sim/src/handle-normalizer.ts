/** True when an identifier "looks like a handle": phone characters, an `@`, or a service prefix (§2.4). */
export function looksLikeHandle(identifier: string): boolean {
  if (/^(imessage|sms|auto):/i.test(identifier)) return true;
  if (identifier.includes("@")) return true;
  return /^\+?[\d\s().-]{3,}$/.test(identifier);
}

/**
 * True when a `send` recipient is a contact name, by imsg's rule (`ChatTargetResolver.looksLikeContactName`):
 * no `@`, no leading `+`, not only phone characters. The stand-in has no Contacts, so no name resolves.
 */
export function looksLikeContactName(recipient: string): boolean {
  const trimmed = stripServicePrefix(recipient.trim());
  if (trimmed === "" || trimmed.includes("@") || trimmed.startsWith("+")) return false;
  return !/^[\d\s().-]+$/.test(trimmed);
}

/** Strips an `imessage:`/`sms:`/`auto:` prefix. */
export function stripServicePrefix(handle: string): string {
  return handle.replace(/^(imessage|sms|auto):/i, "");
}

/**
 * Normalises a direct-send recipient the way imsg does before AppleScript: emails lower-cased, phone numbers to
 * E.164 using `region` for national numbers (a small NANP/+CC subset is enough for a stand-in).
 */
export function normalizeHandle(raw: string, region: string): string {
  const handle = stripServicePrefix(raw.trim());
  if (handle.includes("@")) return handle.toLowerCase();
  if (!/^\+?[\d\s().-]+$/.test(handle)) return handle;
  const digits = handle.replace(/[^\d]/g, "");
  if (handle.startsWith("+")) return `+${digits}`;
  const upper = region.toUpperCase();
  if ((upper === "US" || upper === "CA") && digits.length === 10) return `+1${digits}`;
  if ((upper === "US" || upper === "CA") && digits.length === 11 && digits.startsWith("1"))
    return `+${digits}`;
  return digits.length > 0 ? `+${digits}` : handle;
}
