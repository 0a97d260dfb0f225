/**
 * The positional JSON5 reader behind `json5-document.ts`: parses text into a tree that records where
 * each value sits, so edits can splice only the changed value. The `json5` package (used to load the config)
 * cannot say where a value sits in the text, so this is a small parser that records positions.
 */

import type { ConfigKeyPathSegment } from "@imgate/channel-core/config-path";

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
