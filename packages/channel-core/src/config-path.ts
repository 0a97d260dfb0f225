/**
 * Dotted-path access to a plain JSON config object (`channels.imessage.groups["42"].requireMention`,
 * `agents.list[0].id`). Pure: setters return a new object and never touch prototypes.
 */

/** A JSON value as found in a parsed config file. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** Error codes of {@link ConfigPathError}. */
export type ConfigPathErrorCode =
  | "CONFIG_PATH_INVALID"
  | "CONFIG_PATH_FORBIDDEN_KEY"
  | "CONFIG_PATH_NOT_CONTAINER";

/** A config path that cannot be parsed or applied. */
export class ConfigPathError extends Error {
  readonly code: ConfigPathErrorCode;
  /** The path as given. */
  readonly path: string;
  constructor(code: ConfigPathErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConfigPathError";
    this.code = code;
    this.path = path;
  }
}

/** Keys that would reach an object's prototype; refused in paths and inside values. */
export const FORBIDDEN_CONFIG_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/** Longest accepted path, in characters. */
export const MAX_CONFIG_PATH_LENGTH = 512;

const isForbiddenKey = (key: string) => FORBIDDEN_CONFIG_KEYS.includes(key.trim().toLowerCase());

/** One key of a parsed path: an object key, or an array index (a bare `[0]`). */
export type ConfigKeyPathSegment = string | number;

/**
 * Splits a path into keys, as strings (`a[0]` gives `"0"`); see {@link parseConfigKeyPath}.
 * @throws {ConfigPathError} like {@link parseConfigKeyPath}.
 */
export function parseConfigPath(path: string): string[] {
  return parseConfigKeyPath(path).map(String);
}

/**
 * The one config key-path parser (chat commands, `imgate config get|set|unset`). Accepts `a.b`, `a[0]`
 * (a number: an array index), `a["b.c"]` (JSON string rules) and `a['b']`; a bare `[x]` that is not a
 * number is the key `x`. Throws {@link ConfigPathError}: `CONFIG_PATH_INVALID` for empty or malformed
 * paths, `CONFIG_PATH_FORBIDDEN_KEY` for `__proto__`, `constructor` or `prototype` in any spelling.
 */
export function parseConfigKeyPath(path: string): ConfigKeyPathSegment[] {
  const invalid = (why: string) =>
    new ConfigPathError(
      "CONFIG_PATH_INVALID",
      path,
      `Invalid config path "${path}": ${why}. Use dotted keys such as channels.imessage.groups["42"].requireMention.`,
    );
  if (path.trim() === "") throw invalid("it is empty");
  if (path.length > MAX_CONFIG_PATH_LENGTH)
    throw invalid(`it is longer than ${MAX_CONFIG_PATH_LENGTH} characters`);

  const segments: ConfigKeyPathSegment[] = [];
  let i = 0;
  const n = path.length;
  while (i < n) {
    if (path[i] === "[") {
      const close = readBracket(path, i, invalid);
      segments.push(close.key);
      i = close.end;
    } else {
      let j = i;
      while (j < n && path[j] !== "." && path[j] !== "[") j++;
      const key = path.slice(i, j).trim();
      if (key === "") throw invalid("it has an empty key");
      if (key.includes("]")) throw invalid('a "]" has no matching "["');
      segments.push(key);
      i = j;
    }
    if (i < n) {
      if (path[i] === ".") {
        i++;
        if (i >= n) throw invalid("it ends with a dot");
      } else if (path[i] !== "[") {
        throw invalid(`unexpected "${path[i]}" after a key`);
      }
    }
  }
  const forbidden = segments.find((segment) => typeof segment === "string" && isForbiddenKey(segment));
  if (forbidden !== undefined) {
    throw new ConfigPathError(
      "CONFIG_PATH_FORBIDDEN_KEY",
      path,
      `Config path "${path}" uses the reserved key "${forbidden}"; config keys cannot be __proto__, constructor or prototype.`,
    );
  }
  return segments;
}

function readBracket(
  path: string,
  start: number,
  invalid: (why: string) => Error,
): { key: ConfigKeyPathSegment; end: number } {
  const quote = path[start + 1];
  if (quote === '"' || quote === "'") {
    let j = start + 2;
    while (j < path.length && path[j] !== quote) j += path[j] === "\\" && quote === '"' ? 2 : 1;
    if (j >= path.length || path[j + 1] !== "]") throw invalid("a quoted key is not closed");
    const literal = path.slice(start + 1, j + 1);
    let key: string;
    try {
      key = quote === '"' ? (JSON.parse(literal) as string) : literal.slice(1, -1);
    } catch (cause) {
      throw new ConfigPathError(
        "CONFIG_PATH_INVALID",
        path,
        `Invalid config path "${path}": bad quoted key ${literal}.`,
        {
          cause,
        },
      );
    }
    if (key.trim() === "") throw invalid("it has an empty key");
    return { key, end: j + 2 };
  }
  const close = path.indexOf("]", start);
  if (close === -1) throw invalid('a "[" is not closed');
  const key = path.slice(start + 1, close).trim();
  if (key === "") throw invalid("it has an empty key");
  return { key: /^\d+$/.test(key) ? Number(key) : key, end: close + 1 };
}

/** Keys written dotted; anything else is written `["…"]`. */
const SIMPLE_KEY = /^[A-Za-z0-9_$*-]+$/;

/**
 * The one key-path formatter (config errors, `imgate config`, `/config`): array indexes (numbers) as
 * `[n]`, simple keys dotted, anything else as `["…"]`, after `prefix` (e.g. `channels.imessage`).
 * {@link parseConfigKeyPath} reads the result back to the same segments.
 */
export function formatConfigKeyPath(segments: readonly PropertyKey[], prefix = ""): string {
  let out = prefix;
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const key = String(segment);
      out += SIMPLE_KEY.test(key) ? (out === "" ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** {@link formatConfigKeyPath} for string keys (as {@link parseConfigPath} gives them): all-digit keys are indexes. */
export function formatConfigPath(segments: readonly string[]): string {
  return formatConfigKeyPath(segments.map((key) => (/^\d+$/.test(key) ? Number(key) : key)));
}

const toSegments = (path: string | readonly string[]) =>
  typeof path === "string" ? parseConfigPath(path) : [...path];

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const arrayIndex = (key: string) => (/^\d+$/.test(key) ? Number(key) : undefined);

function child(container: JsonValue | undefined, key: string): JsonValue | undefined {
  if (Array.isArray(container)) {
    const index = arrayIndex(key);
    return index === undefined ? undefined : container[index];
  }
  if (isObject(container) && Object.hasOwn(container, key)) return container[key];
  return undefined;
}

/** The value at `path`, or `undefined` when any key along it is missing. Own properties only. */
export function getConfigValue(root: JsonValue, path: string | readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  for (const key of toSegments(path)) {
    current = child(current, key);
    if (current === undefined) return undefined;
  }
  return current;
}

/** The first key named `__proto__`, `constructor` or `prototype` anywhere inside `value`, as a path. */
export function findForbiddenConfigKey(value: JsonValue, at: readonly string[] = []): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findForbiddenConfigKey(item, [...at, String(index)]);
      if (found) return found;
    }
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (isForbiddenKey(key)) return formatConfigPath([...at, key]);
      const found = findForbiddenConfigKey(item, [...at, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Returns a copy of `root` with `value` at `path`, creating objects along the way. Array elements are
 * addressed by index (at most one past the end). Throws {@link ConfigPathError} for forbidden keys in the
 * path or the value, and when a key along the path holds a non-container.
 */
export function setConfigValue(
  root: JsonObject,
  path: string | readonly string[],
  value: JsonValue,
): JsonObject {
  const segments = toSegments(path);
  const label = typeof path === "string" ? path : formatConfigPath(segments);
  if (segments.length === 0) throw new ConfigPathError("CONFIG_PATH_INVALID", label, "Config path is empty.");
  const forbidden = findForbiddenConfigKey(value);
  if (forbidden) {
    throw new ConfigPathError(
      "CONFIG_PATH_FORBIDDEN_KEY",
      label,
      `The value for "${label}" contains the reserved key at ${forbidden}; remove it.`,
    );
  }
  return assign(root, segments, 0, value, label) as JsonObject;
}

function assign(
  container: JsonValue | undefined,
  segments: readonly string[],
  depth: number,
  value: JsonValue,
  label: string,
): JsonValue {
  const key = segments[depth] as string;
  const last = depth === segments.length - 1;
  if (Array.isArray(container)) {
    const index = arrayIndex(key);
    if (index === undefined || index > container.length) {
      throw new ConfigPathError(
        "CONFIG_PATH_NOT_CONTAINER",
        label,
        `Config path "${label}": "${key}" is not a valid index of a list of ${container.length}; use 0…${container.length}.`,
      );
    }
    const copy = [...container];
    copy[index] = last ? value : assign(container[index], segments, depth + 1, value, label);
    return copy;
  }
  if (container !== undefined && !isObject(container)) {
    throw new ConfigPathError(
      "CONFIG_PATH_NOT_CONTAINER",
      label,
      `Config path "${label}": ${formatConfigPath(segments.slice(0, depth)) || "the root"} holds a ${typeof container}, not an object; unset it first.`,
    );
  }
  const copy: JsonObject = { ...container };
  const next = last ? value : assign(child(container, key), segments, depth + 1, value, label);
  Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Returns a copy of `root` without the value at `path`, and whether anything was removed. */
export function unsetConfigValue(
  root: JsonObject,
  path: string | readonly string[],
): { result: JsonObject; removed: boolean } {
  const segments = toSegments(path);
  if (segments.length === 0 || getConfigValue(root, segments) === undefined)
    return { result: root, removed: false };
  return { result: remove(root, segments, 0) as JsonObject, removed: true };
}

function remove(container: JsonValue, segments: readonly string[], depth: number): JsonValue {
  const key = segments[depth] as string;
  const last = depth === segments.length - 1;
  if (Array.isArray(container)) {
    const index = arrayIndex(key) as number;
    const copy = [...container];
    if (last) copy.splice(index, 1);
    else copy[index] = remove(container[index] as JsonValue, segments, depth + 1);
    return copy;
  }
  const object = container as JsonObject;
  const copy: JsonObject = {};
  for (const [k, v] of Object.entries(object)) {
    if (k === key) {
      if (!last)
        Object.defineProperty(copy, k, {
          value: remove(v, segments, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
    } else {
      Object.defineProperty(copy, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  return copy;
}
