/**
 * A JSON5 text that can be read and edited in place: `imgate config set`/`unset` and the `/config` chat
 * command splice only the changed value, so comments, key order, quoting and layout elsewhere in the file
 * survive. The `json5` package (used to load the config) cannot say where a value sits in the text, so
 * this is a small parser that records positions.
 */

import { type ConfigKeyPathSegment, formatConfigKeyPath } from "@imgate/channel-core/config-path";

/** A JSON5 syntax error at a 1-based line and column. */
export class Json5SyntaxError extends Error {
  readonly code = "JSON5_SYNTAX";
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = "Json5SyntaxError";
    this.line = line;
    this.column = column;
  }
}

/** One path segment: an object key or an array index (channel-core's `ConfigKeyPathSegment`). */
export type PathSegment = ConfigKeyPathSegment;

interface BaseNode {
  start: number;
  end: number;
}
interface ObjectMember {
  key: string;
  keyStart: number;
  value: Json5Node;
}
/** A parsed JSON5 value with its position in the text. */
export type Json5Node =
  | (BaseNode & { kind: "object"; members: ObjectMember[] })
  | (BaseNode & { kind: "array"; items: Json5Node[] })
  | (BaseNode & { kind: "scalar"; value: string | number | boolean | null });

const identifierStart = /[A-Za-z_$\p{L}]/u;
const identifierPart = /[A-Za-z0-9_$\p{L}\p{N}\u200c\u200d]/u;

class Parser {
  private pos = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  parseDocument(): Json5Node {
    this.skipTrivia();
    const node = this.parseValue();
    this.skipTrivia();
    if (this.pos < this.text.length) this.fail(`unexpected ${JSON.stringify(this.text[this.pos])}`);
    return node;
  }

  private fail(message: string, at = this.pos): never {
    const before = this.text.slice(0, at);
    const line = before.split("\n").length;
    const column = at - before.lastIndexOf("\n");
    throw new Json5SyntaxError(message, line, column);
  }

  private skipTrivia(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const char = text[this.pos]!;
      if (/\s|\uFEFF/.test(char)) {
        this.pos++;
      } else if (text.startsWith("//", this.pos)) {
        const end = text.indexOf("\n", this.pos);
        this.pos = end === -1 ? text.length : end;
      } else if (text.startsWith("/*", this.pos)) {
        const end = text.indexOf("*/", this.pos + 2);
        if (end === -1) this.fail("unterminated comment");
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  private parseValue(): Json5Node {
    const char = this.text[this.pos];
    if (char === undefined) this.fail("unexpected end of input");
    if (char === "{") return this.parseObject();
    if (char === "[") return this.parseArray();
    const start = this.pos;
    if (char === '"' || char === "'") {
      const value = this.parseString();
      return { kind: "scalar", start, end: this.pos, value };
    }
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (
        this.text.startsWith(word, this.pos) &&
        !identifierPart.test(this.text[this.pos + word.length] ?? "")
      ) {
        this.pos += word.length;
        return { kind: "scalar", start, end: this.pos, value };
      }
    }
    const value = this.parseNumber();
    return { kind: "scalar", start, end: this.pos, value };
  }

  private parseNumber(): number {
    // No leading zeros (`01`), as in JSON5 and the `json5` package that loads the config.
    const match =
      /^[+-]?(?:Infinity|NaN|0[xX][0-9a-fA-F]+|(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(
        this.text.slice(this.pos),
      );
    if (!match) this.fail(`unexpected ${JSON.stringify(this.text[this.pos])}`);
    const literal = match[0];
    this.pos += literal.length;
    const sign = literal.startsWith("-") ? -1 : 1;
    const body = literal.replace(/^[+-]/, "");
    if (body === "Infinity") return sign * Number.POSITIVE_INFINITY;
    if (body === "NaN") return Number.NaN;
    if (/^0[xX]/.test(body)) return sign * Number.parseInt(body.slice(2), 16);
    return sign * Number(body);
  }

  private parseString(): string {
    const quote = this.text[this.pos]!;
    this.pos++;
    let out = "";
    while (true) {
      const char = this.text[this.pos];
      if (char === undefined || char === "\n") this.fail("unterminated string");
      this.pos++;
      if (char === quote) return out;
      if (char !== "\\") {
        out += char;
        continue;
      }
      const escaped = this.text[this.pos++];
      switch (escaped) {
        case "n":
          out += "\n";
          break;
        case "t":
          out += "\t";
          break;
        case "r":
          out += "\r";
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "v":
          out += "\v";
          break;
        case "0":
          out += "\0";
          break;
        case "\r":
          if (this.text[this.pos] === "\n") this.pos++;
          break;
        case "\n":
        case "\u2028":
        case "\u2029":
          break;
        case "x":
        case "u": {
          const length = escaped === "x" ? 2 : 4;
          const hex = this.text.slice(this.pos, this.pos + length);
          if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(hex)) this.fail("bad escape sequence");
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += length;
          break;
        }
        case undefined:
          this.fail("unterminated string");
          break;
        default:
          out += escaped;
      }
    }
  }

  private parseKey(): string {
    const char = this.text[this.pos];
    if (char === '"' || char === "'") return this.parseString();
    if (char === undefined || !identifierStart.test(char)) this.fail("expected a property name");
    const start = this.pos;
    while (this.pos < this.text.length && identifierPart.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private parseObject(): Json5Node {
    const start = this.pos++;
    const members: ObjectMember[] = [];
    while (true) {
      this.skipTrivia();
      if (this.text[this.pos] === "}") break;
      const keyStart = this.pos;
      const key = this.parseKey();
      this.skipTrivia();
      if (this.text[this.pos] !== ":") this.fail("expected ':'");
      this.pos++;
      this.skipTrivia();
      members.push({ key, keyStart, value: this.parseValue() });
      this.skipTrivia();
      if (this.text[this.pos] === ",") {
        this.pos++;
        continue;
      }
      if (this.text[this.pos] !== "}") this.fail("expected ',' or '}'");
      break;
    }
    this.pos++;
    return { kind: "object", start, end: this.pos, members };
  }

  private parseArray(): Json5Node {
    const start = this.pos++;
    const items: Json5Node[] = [];
    while (true) {
      this.skipTrivia();
      if (this.text[this.pos] === "]") break;
      items.push(this.parseValue());
      this.skipTrivia();
      if (this.text[this.pos] === ",") {
        this.pos++;
        continue;
      }
      if (this.text[this.pos] !== "]") this.fail("expected ',' or ']'");
      break;
    }
    this.pos++;
    return { kind: "array", start, end: this.pos, items };
  }
}

/** Parses JSON5 text into a positioned tree; throws {@link Json5SyntaxError}. */
export function parseJson5Tree(text: string): Json5Node {
  return new Parser(text).parseDocument();
}

/** Converts a positioned tree to a plain value. */
export function nodeToValue(node: Json5Node): unknown {
  if (node.kind === "scalar") return node.value;
  if (node.kind === "array") return node.items.map(nodeToValue);
  const out: Record<string, unknown> = {};
  // defineProperty, not assignment: a key named "__proto__" stays a plain key instead of a prototype.
  for (const member of node.members) {
    Object.defineProperty(out, member.key, {
      value: nodeToValue(member.value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Parses JSON5 text into a plain value; throws {@link Json5SyntaxError}. */
export function parseJson5(text: string): unknown {
  return nodeToValue(parseJson5Tree(text));
}

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

function formatKey(key: string): string {
  return plainKey.test(key) ? key : JSON.stringify(key);
}

/** Parses a dotted config path: channel-core's one parser (`parseConfigKeyPath`), under its gateway name. */
/** Formats path segments back into the dotted form: channel-core's one formatter (`formatConfigKeyPath`). */
export {
  formatConfigKeyPath as formatJson5KeyPath,
  parseConfigKeyPath as parseKeyPath,
} from "@imgate/channel-core/config-path";

/** Reads the value at `path` from a plain value; `found: false` when any segment is missing. */
export function getAtPath(root: unknown, path: readonly PathSegment[]): { found: boolean; value?: unknown } {
  let current: unknown = root;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number" && segment < current.length) {
      current = current[segment];
    } else if (
      current !== null &&
      typeof current === "object" &&
      !Array.isArray(current) &&
      Object.hasOwn(current, String(segment))
    ) {
      current = (current as Record<string, unknown>)[String(segment)];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

/** An edit to a JSON5 text could not be made (e.g. the path runs through a scalar). */
export class Json5EditError extends Error {
  readonly code = "JSON5_EDIT";
  constructor(message: string) {
    super(message);
    this.name = "Json5EditError";
  }
}

/**
 * Returns `text` with the value at `path` set to `value`. Existing values are replaced in place;
 * missing keys are added to the innermost existing object (nested objects are created as needed),
 * following the object's layout (one member per line, or inline).
 */
export function setJson5Value(text: string, path: readonly PathSegment[], value: unknown): string {
  if (path.length === 0) return `${JSON.stringify(value, null, 2)}\n`;
  const root = text.trim() === "" ? undefined : parseJson5Tree(text);
  if (!root) return `${JSON.stringify(buildNested(path, value), null, 2)}\n`;
  let node = root;
  for (let index = 0; index < path.length; index++) {
    const segment = path[index]!;
    const rest = path.slice(index + 1);
    if (node.kind === "object") {
      const member = node.members.find((m) => m.key === String(segment));
      if (member) {
        node = member.value;
        continue;
      }
      return insertMember(text, node, String(segment), buildNested(rest, value));
    }
    if (node.kind === "array" && typeof segment === "number") {
      const item = node.items[segment];
      if (item) {
        node = item;
        continue;
      }
      if (segment === node.items.length) return appendItem(text, node, buildNested(rest, value));
      throw new Json5EditError(
        `${formatConfigKeyPath(path.slice(0, index + 1))} is past the end of an array of ${node.items.length}`,
      );
    }
    throw new Json5EditError(
      `${formatConfigKeyPath(path.slice(0, index)) || "the document"} is not an object, so ${formatConfigKeyPath(path.slice(0, index + 1))} cannot be set`,
    );
  }
  return splice(text, node.start, node.end, stringifyJson5(value));
}

/** Returns `text` without the value at `path`; `removed: false` when nothing was there. */
export function unsetJson5Value(
  text: string,
  path: readonly PathSegment[],
): { text: string; removed: boolean } {
  if (path.length === 0 || text.trim() === "") return { text, removed: false };
  let node = parseJson5Tree(text);
  for (let index = 0; index < path.length; index++) {
    const segment = path[index]!;
    const last = index === path.length - 1;
    if (node.kind === "object") {
      const member = node.members.find((m) => m.key === String(segment));
      if (!member) return { text, removed: false };
      if (last) return { text: removeSpan(text, member.keyStart, member.value.end), removed: true };
      node = member.value;
    } else if (node.kind === "array" && typeof segment === "number") {
      const item = node.items[segment];
      if (!item) return { text, removed: false };
      if (last) return { text: removeSpan(text, item.start, item.end), removed: true };
      node = item;
    } else {
      return { text, removed: false };
    }
  }
  return { text, removed: false };
}

function buildNested(path: readonly PathSegment[], value: unknown): unknown {
  let out = value;
  for (let index = path.length - 1; index >= 0; index--) {
    const segment = path[index]!;
    out = typeof segment === "number" && segment === 0 ? [out] : { [String(segment)]: out };
  }
  return out;
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

function lineIndent(text: string, position: number): string {
  const lineStart = text.lastIndexOf("\n", position - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** After a value: skips spaces, one comma, then spaces and a line comment on the same line. */
function scanAfterValue(text: string, end: number): { hasComma: boolean; lineEnd: number } {
  let pos = end;
  while (text[pos] === " " || text[pos] === "\t") pos++;
  const hasComma = text[pos] === ",";
  if (hasComma) pos++;
  let lineEnd = pos;
  while (text[lineEnd] === " " || text[lineEnd] === "\t") lineEnd++;
  if (text.startsWith("//", lineEnd)) {
    const newline = text.indexOf("\n", lineEnd);
    lineEnd = newline === -1 ? text.length : newline;
  } else {
    lineEnd = pos;
  }
  return { hasComma, lineEnd };
}

function insertMember(
  text: string,
  object: Json5Node & { kind: "object" },
  key: string,
  value: unknown,
): string {
  const entry = `${formatKey(key)}: ${stringifyJson5(value)}`;
  return insertEntry(
    text,
    object.start,
    object.end,
    object.members.map((m) => ({ start: m.keyStart, end: m.value.end })),
    entry,
  );
}

function appendItem(text: string, array: Json5Node & { kind: "array" }, value: unknown): string {
  return insertEntry(text, array.start, array.end, array.items, stringifyJson5(value));
}

function insertEntry(
  text: string,
  open: number,
  close: number,
  entries: readonly { start: number; end: number }[],
  entry: string,
): string {
  const lastEntry = entries.at(-1);
  if (!lastEntry) {
    const inner = text.slice(open + 1, close - 1);
    if (inner.includes("\n")) {
      const indent = `${lineIndent(text, open)}  `;
      return splice(text, open + 1, close - 1, `\n${indent}${entry},\n${lineIndent(text, open)}`);
    }
    const bracket = text[open] === "{" ? [" ", " "] : ["", ""];
    return splice(text, open + 1, close - 1, `${bracket[0]}${entry}${bracket[1]}`);
  }
  const multiline = text.slice(open, entries[0]!.start).includes("\n");
  const { hasComma, lineEnd } = scanAfterValue(text, lastEntry.end);
  if (multiline) {
    const indent = lineIndent(text, entries[0]!.start);
    const inserted = splice(text, lineEnd, lineEnd, `\n${indent}${entry}${hasComma ? "," : ""}`);
    return hasComma ? inserted : splice(inserted, lastEntry.end, lastEntry.end, ",");
  }
  return splice(text, lastEntry.end, lastEntry.end, `, ${entry}`);
}

/** Removes an entry together with its trailing comma; a line left empty is removed entirely. */
function removeSpan(text: string, start: number, end: number): string {
  const { hasComma, lineEnd } = scanAfterValue(text, end);
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const alone = /^[ \t]*$/.test(text.slice(lineStart, start));
  let after = lineEnd;
  while (text[after] === " " || text[after] === "\t") after++;
  if (alone && (text[after] === "\n" || after === text.length)) {
    return splice(text, lineStart, text[after] === "\n" ? after + 1 : after, "");
  }
  let cut = end;
  while (text[cut] === " " || text[cut] === "\t") cut++;
  if (hasComma) {
    cut++;
    while (text[cut] === " ") cut++;
    return splice(text, start, cut, "");
  }
  // Last inline entry without a trailing comma: take the comma before it instead.
  let from = start;
  let before = start - 1;
  while (before > 0 && /\s/.test(text[before]!)) before--;
  if (text[before] === ",") from = before;
  return splice(text, from, end, "");
}
