import { createHash, randomBytes as cryptoRandomBytes, timingSafeEqual } from "node:crypto";

/** The 32 characters pairing codes are drawn from: no `0 O 1 I`, so codes survive being read aloud. */
export const PAIRING_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** Number of characters in a pairing code. */
export const PAIRING_CODE_LENGTH = 8;

/** Source of random bytes; `crypto.randomBytes` unless a test passes its own. */
export type RandomBytes = (size: number) => Uint8Array;

/**
 * Draws a pairing code with `crypto` random bytes and rejection sampling, so every character is
 * uniformly distributed (no modulo bias, whatever the alphabet size).
 */
export function generatePairingCode(
  randomBytes: RandomBytes = cryptoRandomBytes,
  alphabet: string = PAIRING_CODE_ALPHABET,
  length: number = PAIRING_CODE_LENGTH,
): string {
  const size = alphabet.length;
  if (size < 2 || size > 256) throw new RangeError("A pairing code alphabet needs 2 to 256 characters.");
  // Bytes at or above `limit` would make the low residues more likely than the high ones: reject them.
  const limit = 256 - (256 % size);
  let code = "";
  while (code.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= limit) continue;
      code += alphabet[byte % size];
      if (code.length === length) break;
    }
  }
  return code;
}

/** Normalises a code as typed by a person: trimmed and upper-cased (approval is case-insensitive). */
export function normalizePairingCode(input: string): string {
  return input.trim().toUpperCase();
}

/**
 * Compares two codes in constant time (after normalising both): both are hashed to equal-length
 * digests and compared with `crypto.timingSafeEqual`, so neither content nor length leaks by timing.
 */
export function pairingCodesEqual(a: string, b: string): boolean {
  const left = createHash("sha256").update(normalizePairingCode(a)).digest();
  const right = createHash("sha256").update(normalizePairingCode(b)).digest();
  return timingSafeEqual(left, right);
}
