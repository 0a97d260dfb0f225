const MAX_NAME_BYTES = 200;

/**
 * A file name that is safe to create locally: last path segment only, no control characters or
 * characters Windows/macOS reject, no leading dots, at most 200 UTF-8 bytes (extension kept).
 */
export function safeFileName(name: string, fallback = "attachment"): string {
  const last = name.split(/[/\\]/).at(-1) ?? "";
  let cleaned = last
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .replace(/[<>:"|?*]/g, "_")
    .trim()
    .replace(/^\.+/, "");
  if (cleaned === "") cleaned = fallback;
  if (Buffer.byteLength(cleaned) <= MAX_NAME_BYTES) return cleaned;
  const dot = cleaned.lastIndexOf(".");
  const ext = dot > 0 && cleaned.length - dot <= 16 ? cleaned.slice(dot) : "";
  let stem = cleaned.slice(0, cleaned.length - ext.length);
  while (Buffer.byteLength(stem + ext) > MAX_NAME_BYTES) stem = Array.from(stem).slice(0, -1).join("");
  return stem + ext;
}

/** A single directory segment from an id (account, guid): `[A-Za-z0-9._-]` only, never `.` or `..`. */
export function safeSegment(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 128);
  return cleaned === "" || cleaned === "." || cleaned === ".." ? `_${cleaned}` : cleaned;
}
