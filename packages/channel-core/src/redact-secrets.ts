/**
 * The one secret-redaction rule, for log lines (the gateway's logger), printed config (`imgate config show`)
 * and chat replies that show config values.
 */

/** Replacement text for anything secret. */
export const REDACTED = "[Redacted]";

/** Field names treated as secret wherever they appear: tokens, secrets, keys, passwords, auth headers, cookies. */
const secretKeyPattern =
  /token|secret|password|passphrase|api[-_]?key|private[-_]?key|authorization|cookie|credential/i;

/** Fields that name an environment variable (`tokenEnv`, `apiKeyEnv`) hold a name, not a secret. */
const envNamePattern = /env$/i;

/** True when a field with this name holds a secret and must never be shown or logged. */
export function isSecretKey(key: string): boolean {
  return secretKeyPattern.test(key) && !envNamePattern.test(key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with the value of every secret-named field ({@link isSecretKey}) replaced by
 * {@link REDACTED}, at any depth (plain objects and arrays; other instances are returned as they are).
 * Unset values (`undefined`, `null`, `""`) stay as they are: they reveal nothing and show the key is unset.
 */
export function redactSecretFields(value: unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecretFields(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const unset = field === undefined || field === null || field === "";
    // defineProperty: a key named "__proto__" (from a config file or an HTTP body) stays a plain field.
    Object.defineProperty(out, key, {
      value: isSecretKey(key) && !unset ? REDACTED : redactSecretFields(field, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
