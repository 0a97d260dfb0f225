/** Validation of `--limit N` values. */
import { z } from "zod";
import { UsageError } from "./cli-error.ts";

const limitSchema = z.coerce.number().int().min(1).max(10_000);

/** Parses `--limit`; a non-integer or out-of-range value is a usage error (exit 2). */
export function parseLimit(value: string): number {
  const parsed = limitSchema.safeParse(value);
  if (!parsed.success)
    throw new UsageError(`--limit must be a whole number from 1 to 10000, not "${value}".`);
  return parsed.data;
}
