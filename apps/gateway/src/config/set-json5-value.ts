/**
 * In-place edits of a JSON5 text (`imgate config set`/`unset`, `/config`): only the changed value is
 * spliced, so comments, key order, quoting and layout elsewhere in the file survive.
 */

import { formatConfigKeyPath } from "@imgate/channel-core/config-path";
import { type Json5Node, type PathSegment, parseJson5Tree } from "./parse-json5-tree.ts";
import { formatKey, stringifyJson5 } from "./stringify-json5.ts";

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
