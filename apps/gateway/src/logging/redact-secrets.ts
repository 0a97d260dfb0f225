/** Replacement text for anything secret. */
export const REDACTED = "[Redacted]";

/** Field names treated as secret wherever they appear: tokens, secrets, API keys, passphrases, passwords, auth headers. */
const secretKeyPattern = /token|secret|api[-_]?key|passphrase|password|authorization|cookie|credential/i;

/** Returns true when a field with this name must never be logged. */
export function isSecretKey(key: string): boolean {
  return secretKeyPattern.test(key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with every secret-named field replaced by {@link REDACTED}, at any depth (plain
 * objects and arrays only; errors and other class instances are left to the serializers and to
 * {@link createSecretScrubber}).
 */
export function redactSecretFields(value: unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecretFields(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] =
      isSecretKey(key) && field !== undefined && field !== null
        ? REDACTED
        : redactSecretFields(field, depth + 1);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A function that removes secrets from an already-serialised log line: the literal secret values given
 * (and their JSON-escaped forms), and any `Bearer <credential>`. Values shorter than 4 characters are
 * ignored, since scrubbing them would mangle ordinary text.
 */
export function createSecretScrubber(secrets: readonly string[]): (line: string) => string {
  const literals = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    literals.add(secret);
    literals.add(JSON.stringify(secret).slice(1, -1));
  }
  const parts = [...literals].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const literalPattern = parts.length > 0 ? new RegExp(parts.join("|"), "g") : undefined;
  const bearerPattern = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
  return (line) => {
    let out = literalPattern ? line.replace(literalPattern, REDACTED) : line;
    out = out.replace(bearerPattern, `$1${REDACTED}`);
    return out;
  };
}
