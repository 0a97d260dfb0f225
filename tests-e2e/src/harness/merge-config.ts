function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Deep-merges config objects: nested objects merge key by key, anything else (arrays included) in `override`
 * replaces the base value, and an `undefined` override removes the key.
 */
export function mergeConfig(base: object, override: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) delete out[key];
    else if (isPlainObject(value) && isPlainObject(out[key]))
      out[key] = mergeConfig(out[key] as object, value);
    else out[key] = value;
  }
  return out;
}
