import { describe, expect, it } from "vitest";
import {
  formatJson5KeyPath,
  Json5SyntaxError,
  parseJson5,
  parseKeyPath,
  setJson5Value,
  unsetJson5Value,
} from "./json5-document.ts";

const sample = `// imgate config
{
  channels: {
    imessage: {
      cliPath: "imsg", // the stand-in
      dmPolicy: 'pairing',
      allowFrom: ["+15550001111",],
    },
  },
  /* agents */
  agents: { list: [{ id: "main", default: true, backend: { type: "echo" } }] },
}
`;

describe("parseJson5", () => {
  it("reads comments, single quotes, trailing commas, hex and identifiers", () => {
    expect(parseJson5(sample)).toEqual({
      channels: { imessage: { cliPath: "imsg", dmPolicy: "pairing", allowFrom: ["+15550001111"] } },
      agents: { list: [{ id: "main", default: true, backend: { type: "echo" } }] },
    });
    expect(parseJson5("{a: 0x10, b: -.5, c: +Infinity, 'd e': 'it\\'s'}")).toEqual({
      a: 16,
      b: -0.5,
      c: Number.POSITIVE_INFINITY,
      "d e": "it's",
    });
  });

  it("reports the line and column of a syntax error", () => {
    try {
      parseJson5("{\n  a: 1\n  b: 2\n}");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(Json5SyntaxError);
      expect((error as Json5SyntaxError).line).toBe(3);
    }
  });
});

describe("key paths", () => {
  it("parses dots, indexes and quoted keys", () => {
    expect(parseKeyPath('channels.imessage.groups["*"].requireMention')).toEqual([
      "channels",
      "imessage",
      "groups",
      "*",
      "requireMention",
    ]);
    expect(parseKeyPath("agents.list[0].id")).toEqual(["agents", "list", 0, "id"]);
    expect(formatJson5KeyPath(["agents", "list", 0, "a b"])).toBe('agents.list[0]["a b"]');
    expect(() => parseKeyPath("a..b")).toThrow(/empty key/);
    expect(() => parseKeyPath("a.__proto__.b")).toThrow(/reserved key "__proto__"/);
    expect(parseKeyPath("groups['chat 1'][2]")).toEqual(["groups", "chat 1", 2]);
  });
});

describe("setJson5Value / unsetJson5Value", () => {
  it("replaces a value in place and keeps comments", () => {
    const out = setJson5Value(sample, ["channels", "imessage", "dmPolicy"], "open");
    expect(out).toContain('dmPolicy: "open",');
    expect(out).toContain("// the stand-in");
    expect(out).toContain("/* agents */");
  });

  it("adds a missing key on its own line, with nested objects created", () => {
    const out = setJson5Value(sample, ["gateway", "http", "port"], 18791);
    expect(out).toContain(
      '  agents: { list: [{ id: "main", default: true, backend: { type: "echo" } }] },\n  gateway: { http: { port: 18791 } },\n}',
    );
    expect(parseJson5(out)).toMatchObject({ gateway: { http: { port: 18791 } } });
    const inline = setJson5Value(sample, ["agents", "list", 0, "identity"], { name: "Molty" });
    expect(parseJson5(inline)).toMatchObject({ agents: { list: [{ identity: { name: "Molty" } }] } });
  });

  it("adds after a member without a trailing comma and before a line comment", () => {
    const out = setJson5Value("{\n  a: 1 // one\n}\n", ["b"], true);
    expect(out).toBe("{\n  a: 1, // one\n  b: true\n}\n");
  });

  it("appends to an array and fills an empty file", () => {
    const out = setJson5Value(sample, ["channels", "imessage", "allowFrom", 1], "bob@example.com");
    expect(parseJson5(out)).toMatchObject({
      channels: { imessage: { allowFrom: ["+15550001111", "bob@example.com"] } },
    });
    expect(parseJson5(setJson5Value("", ["a", "b"], 1))).toEqual({ a: { b: 1 } });
  });

  it("removes a member with its line, or inline with its comma", () => {
    const { text, removed } = unsetJson5Value(sample, ["channels", "imessage", "cliPath"]);
    expect(removed).toBe(true);
    expect(text).not.toContain("cliPath");
    expect(text).not.toContain("the stand-in");
    expect(parseJson5(text)).toMatchObject({ channels: { imessage: { dmPolicy: "pairing" } } });
    expect(unsetJson5Value("{ a: 1, b: 2 }", ["b"]).text).toBe("{ a: 1 }");
    expect(unsetJson5Value("{ a: 1, b: 2 }", ["a"]).text).toBe("{ b: 2 }");
    expect(unsetJson5Value("{ a: 1 }", ["zzz"]).removed).toBe(false);
  });
});
