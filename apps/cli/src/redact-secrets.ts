/** Hides secret values before config is printed (`imgate config show`, `doctor --json`). */

/** Keys whose string values are secrets. Names of environment variables (`…Env`) are not secrets. */
const SECRET_KEY = /(token|secret|password|passphrase|api[-_]?key|private[-_]?key|authorization)$/i;

/** The placeholder printed instead of a secret. */
export const REDACTED = "[redacted]";

/** Returns a deep copy of `value` with every secret-looking string replaced by {@link REDACTED}. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      SECRET_KEY.test(key) && typeof inner === "string" && inner !== "" ? REDACTED : redactSecrets(inner);
  }
  return out;
}
