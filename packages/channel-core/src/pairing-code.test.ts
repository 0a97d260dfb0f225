import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  generatePairingCode,
  normalizePairingCode,
  PAIRING_CODE_ALPHABET,
  PAIRING_CODE_LENGTH,
  pairingCodesEqual,
} from "./pairing-code.ts";

describe("generatePairingCode", () => {
  it("draws 8 characters from the 32-character alphabet without 0 O 1 I", () => {
    expect(PAIRING_CODE_ALPHABET).toHaveLength(32);
    expect(PAIRING_CODE_ALPHABET).not.toMatch(/[0O1I]/);
    for (let i = 0; i < 200; i += 1) {
      expect(generatePairingCode()).toMatch(
        new RegExp(`^[${PAIRING_CODE_ALPHABET}]{${PAIRING_CODE_LENGTH}}$`),
      );
    }
  });

  it("rejects bytes that would bias the distribution instead of folding them with a modulo", () => {
    // Alphabet of 3: bytes 255 (>= 255 = 256 - 256 % 3) must be skipped, not mapped to 255 % 3 = 0.
    const bytes = [255, 255, 1, 255, 2, 4];
    let at = 0;
    const source = (size: number) => Uint8Array.from({ length: size }, () => bytes[at++ % bytes.length]!);
    expect(generatePairingCode(source, "abc", 4)).toBe("bcbb");
  });

  it("is uniform enough over many draws (every character appears, none dominates)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i += 1) {
      for (const char of generatePairingCode()) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    expect(counts.size).toBe(32);
    // Expected 1000 per character; a bias of the kind a modulo on 0..255 over 30 symbols gives would show as
    // whole groups at ~1.1x. Bounds are loose statistical bounds (> 10 sigma), not timing.
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(700);
      expect(count).toBeLessThan(1300);
    }
  });
});

describe("pairingCodesEqual", () => {
  it("matches case-insensitively and ignores surrounding spaces", () => {
    expect(pairingCodesEqual("ABCD2345", " abcd2345 ")).toBe(true);
    expect(normalizePairingCode(" abcd2345\n")).toBe("ABCD2345");
  });

  it("never matches a different code, whatever its length", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(normalizePairingCode(a) !== normalizePairingCode(b));
        return !pairingCodesEqual(a, b);
      }),
    );
  });
});
