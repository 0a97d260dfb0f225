import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Whether an `Authorization` header carries `expected` as a bearer token. Both sides are hashed first so
 * the comparison is constant-time whatever their lengths.
 */
export function bearerTokenMatches(header: string | undefined, expected: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  const given = match?.[1] ?? "";
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}
