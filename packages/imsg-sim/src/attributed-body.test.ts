import { describe, expect, it } from "vitest";
import { appleNsToIso, isoToAppleNs, unixMsToAppleNs } from "./apple-time.ts";
import { decodeAttributedBody, encodeAttributedBody } from "./attributed-body.ts";

describe("attributedBody (§5.3)", () => {
  it("round-trips short, long (0x81 length) and non-ASCII text through the encoder", () => {
    for (const text of ["hi", "x".repeat(300), "héllo 👋 wörld", "y".repeat(70_000)]) {
      expect(decodeAttributedBody(encodeAttributedBody(text))).toBe(text);
    }
  });

  it("decodes the minimal fixture blob and UTF-16LE BOM bodies", () => {
    const minimal = Uint8Array.from([0x01, 0x2b, 5, ...Buffer.from("hello"), 0x86, 0x84]);
    expect(decodeAttributedBody(minimal)).toBe("hello");
    const utf16 = Uint8Array.from([0xff, 0xfe, ...Buffer.from("\u0001bom text", "utf16le")]);
    expect(decodeAttributedBody(utf16)).toBe("bom text");
  });

  it("keeps the longest candidate and falls back to lossy UTF-8", () => {
    const two = Uint8Array.from([
      ...[0x01, 0x2b, 2, ...Buffer.from("ab"), 0x86, 0x84],
      ...[0x01, 0x2b, 6, ...Buffer.from("longer"), 0x86, 0x84],
    ]);
    expect(decodeAttributedBody(two)).toBe("longer");
    expect(decodeAttributedBody(Uint8Array.from([0x02, ...Buffer.from("plain")]))).toBe("plain");
    expect(decodeAttributedBody(null)).toBe("");
  });
});

describe("Apple time (§5.2)", () => {
  it("converts nanoseconds since 2001 to ISO with milliseconds and back", () => {
    const ns = (1767323045n - 978307200n) * 1_000_000_000n;
    expect(appleNsToIso(ns)).toBe("2026-01-02T03:04:05.000Z");
    expect(appleNsToIso(null)).toBe("2001-01-01T00:00:00.000Z");
    expect(unixMsToAppleNs(Date.parse("2026-01-02T03:04:05.000Z"))).toBe(ns);
    expect(isoToAppleNs("2026-01-02T04:04:05+01:00")).toBe(ns);
    expect(isoToAppleNs("2026-01-02T03:04:05")).toBeUndefined();
  });
});
