/** `send.tracked` attempt ids derived from outbox idempotency keys. */
import { createHash } from "node:crypto";

// A fixed namespace so the same idempotency key always yields the same attempt id (RFC 9562 UUIDv5 layout).
const NAMESPACE = "imgate:imessage:attempt:";

/** The UUID (v5 layout, upper case like Messages guids) used as `attempt_id` for an outbox idempotency key. */
export function attemptIdFor(idempotencyKey: string): string {
  const bytes = createHash("sha1")
    .update(NAMESPACE + idempotencyKey)
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex").toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
