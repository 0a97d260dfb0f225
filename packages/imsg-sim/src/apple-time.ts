/** Seconds between the Unix epoch and Apple's reference date 2001-01-01T00:00:00Z (§5.2). */
export const APPLE_EPOCH_OFFSET_SECONDS = 978_307_200;

const OFFSET_MS = BigInt(APPLE_EPOCH_OFFSET_SECONDS) * 1000n;

/** Converts Unix milliseconds to an Apple-epoch nanosecond `message.date` value (§5.2, write side). */
export function unixMsToAppleNs(unixMs: number): bigint {
  return (BigInt(Math.trunc(unixMs)) - OFFSET_MS) * 1_000_000n;
}

/** Converts an Apple-epoch nanosecond `message.date` to Unix milliseconds; NULL/0 is the Apple epoch. */
export function appleNsToUnixMs(appleNs: bigint | number | null | undefined): number {
  const ns = appleNs === null || appleNs === undefined ? 0n : BigInt(appleNs);
  return Number(ns / 1_000_000n + OFFSET_MS);
}

/** ISO-8601 UTC with milliseconds, as imsg prints `created_at` (a NULL date is `2001-01-01T00:00:00.000Z`). */
export function appleNsToIso(appleNs: bigint | number | null | undefined): string {
  return new Date(appleNsToUnixMs(appleNs)).toISOString();
}

const ISO_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses the ISO-8601 forms imsg accepts for `start`/`end` (`YYYY-MM-DDTHH:MM:SS[.fff](Z|±hh:mm)`, a timezone
 * is required) into Apple nanoseconds; returns undefined when the text is not such a date.
 */
export function isoToAppleNs(text: string): bigint | undefined {
  if (!ISO_PATTERN.test(text)) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  return unixMsToAppleNs(ms);
}
