/** Compact JSON5 output for values spliced into a config file. */

const plainKey = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Serialises a value as compact, single-line JSON5 (unquoted identifier keys, double-quoted strings). */
export function stringifyJson5(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return String(value);
  }
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringifyJson5).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([key, v]) => `${formatKey(key)}: ${stringifyJson5(v)}`).join(", ")} }`;
}

/** A key as written in JSON5: bare when it is a plain identifier, otherwise double-quoted. */
export function formatKey(key: string): string {
  return plainKey.test(key) ? key : JSON.stringify(key);
}
