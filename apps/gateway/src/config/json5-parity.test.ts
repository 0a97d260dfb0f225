import JSON5 from "json5";
import { describe, expect, it } from "vitest";
import { Json5SyntaxError, parseJson5 } from "./json5-document.ts";

// The `json5` package loads the config (load-config.ts, the parser of record: docs/decisions/0009); the
// positional reader in json5-document.ts reads the same file for `imgate config …` and `/config` edits. The two
// must agree on every document, or the CLI and the running gateway see different configs.

/** Valid JSON5 documents covering the grammar's corners. */
const VALID: readonly string[] = [
  "{}",
  "[]",
  "{ // a comment\n a: 1, }",
  '/* block\n comment */ { \'single\': \'it\\\'s\', "double": "say \\"hi\\"" }',
  "{ $id: 1, _under: 2, camelCase3: 3, 'with space': 4, \"quoted-key\": 5 }",
  "{ hex: 0x1F, neg: -0xa, lead: .5, trail: 5., plus: +1, exp: 1e3, negExp: -2.5E-2 }",
  "{ inf: Infinity, ninf: -Infinity, pinf: +Infinity }",
  "{ a: [1, [2, [3, {}]],], b: { c: { d: null } } }",
  "{ t: true, f: false, n: null, z: 0, nz: -0 }",
  "{ esc: '\\n\\t\\r\\b\\f\\v\\0\\\\\\/', uni: '\\u00e9\\u2603', hexEsc: '\\x41' }",
  "{ cont: 'line one \\\nline two' }",
  "{\n  channels: {\n    imessage: { enabled: true, dmPolicy: 'pairing', allowFrom: ['+15550001111', 'chat_id:42'], },\n  },\n}\n",
  "  \n\t{ a: 1 } // trailing comment",
  '"just a string"',
  "42",
  "{ emoji: '🦞', nbsp: 'a\u00a0b' }",
];

/** Texts both must refuse. */
const INVALID: readonly string[] = [
  "{",
  "{ a: 1 b: 2 }",
  "{ a: }",
  "[1,,2]",
  "{ 'a': 1 } extra",
  "{ a: 'unterminated }",
  "{ a: 01 }",
  "[00]",
  "{ a: -007.5 }",
  "{ a: undefined }",
  "{ a: 1, , }",
  "/* never closed { a: 1 }",
  "{ 1a: 2 }",
];

describe("json5-document reads what the json5 package reads", () => {
  it.each(VALID)("parses %j to the same value", (text) => {
    const ofRecord: unknown = JSON5.parse(text);
    expect(parseJson5(text)).toEqual(ofRecord);
  });

  it("keeps -0 and NaN as the json5 package does", () => {
    expect(Object.is((parseJson5("{ z: -0 }") as { z: number }).z, -0)).toBe(true);
    expect(Number.isNaN((parseJson5("{ n: NaN }") as { n: number }).n)).toBe(true);
    expect(Number.isNaN((JSON5.parse("{ n: NaN }") as { n: number }).n)).toBe(true);
  });

  it.each(INVALID)("refuses %j like the json5 package", (text) => {
    expect(() => JSON5.parse(text)).toThrow();
    expect(() => parseJson5(text)).toThrow(Json5SyntaxError);
  });
});
