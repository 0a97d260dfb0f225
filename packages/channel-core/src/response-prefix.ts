/** Values for the `responsePrefix` template variables (§11.5). Unknown or missing ones stay as written. */
export interface ResponsePrefixContext {
  /** Agent identity name: `{identity.name}` / `{identityName}`, and what `auto` uses. */
  identityName?: string;
  /** Full model id, e.g. `openai/gpt-4o-2024-08-06`: `{modelFull}`; `{model}` is its short form (`gpt-4o`). */
  model?: string;
  /** Provider name: `{provider}`. */
  provider?: string;
  /** Thinking level: `{thinkingLevel}` / `{think}`. */
  thinkingLevel?: string;
}

/**
 * Resolves config `messages.responsePrefix`: `auto` becomes `[<identity name>]` (nothing without a
 * name); template variables are filled in case-insensitively. Returns `undefined` for no prefix.
 */
export function resolveResponsePrefix(
  prefix: string | undefined,
  context: ResponsePrefixContext = {},
): string | undefined {
  const trimmed = prefix?.trim();
  if (!trimmed) return undefined;
  if (trimmed.toLowerCase() === "auto") {
    const name = context.identityName?.trim();
    return name ? `[${name}]` : undefined;
  }
  const values: Record<string, string | undefined> = {
    model: context.model ? shortModelName(context.model) : undefined,
    modelfull: context.model,
    provider: context.provider,
    thinkinglevel: context.thinkingLevel,
    think: context.thinkingLevel,
    "identity.name": context.identityName,
    identityname: context.identityName,
  };
  return trimmed.replace(/\{([A-Za-z][A-Za-z0-9.]*)\}/g, (whole, name: string) => {
    const value = values[name.toLowerCase()];
    return value === undefined || value === "" ? whole : value;
  });
}

/** `openai/gpt-4o-2024-08-06` → `gpt-4o`: drops the provider path, a date suffix and `-latest`. */
export function shortModelName(model: string): string {
  const last = model.trim().split("/").at(-1) ?? "";
  return last
    .replace(/-\d{8}$/, "")
    .replace(/-\d{4}-\d{2}-\d{2}$/, "")
    .replace(/-latest$/, "");
}

/** Options of {@link applyResponsePrefix}. */
export interface ApplyResponsePrefixOptions {
  /** A heartbeat token (e.g. `HEARTBEAT_OK`); a reply that is exactly it gets no prefix. */
  heartbeatToken?: string;
}

/**
 * Prepends `prefix` and a space to a reply, before chunking (so only the first chunk carries it).
 * Unchanged when there is no prefix, the text is empty, already starts with the prefix, or is the
 * heartbeat token.
 */
export function applyResponsePrefix(
  text: string,
  prefix: string | undefined,
  options: ApplyResponsePrefixOptions = {},
): string {
  if (!prefix || text.trim() === "") return text;
  if (text.startsWith(prefix)) return text;
  if (options.heartbeatToken && text.trim() === options.heartbeatToken) return text;
  return `${prefix} ${text}`;
}
