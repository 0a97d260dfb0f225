import { describe, expect, it } from "vitest";
import { createManualClock } from "./clock.ts";
import { createEchoCache } from "./echo-cache.ts";

describe("echo cache", () => {
  it("matches a primed guid until its TTL passes", () => {
    const clock = createManualClock();
    const echoes = createEchoCache({ clock, guidTtlMs: 10_000 });
    echoes.primeGuid("G1");
    expect(echoes.matches({ guid: "G1", chatKey: "42", text: "anything" })).toBe(true);
    expect(echoes.matches({ guid: "G1", chatKey: "42" })).toBe(true);
    expect(echoes.matches({ guid: "G2", chatKey: "42" })).toBe(false);
    clock.advance(10_000);
    expect(echoes.matches({ guid: "G1", chatKey: "42" })).toBe(false);
  });

  it("matches chat + text within the window, once per prime, normalising line endings and edges", () => {
    const clock = createManualClock();
    const echoes = createEchoCache({ clock, textWindowMs: 5_000 });
    echoes.primeText("42", "hello\r\nworld ");
    expect(echoes.matches({ chatKey: "43", text: "hello\nworld" })).toBe(false);
    expect(echoes.matches({ chatKey: "42", text: "hello world" })).toBe(false);
    expect(echoes.matches({ chatKey: "42", guid: "other", text: "hello\nworld" })).toBe(true);
    expect(echoes.matches({ chatKey: "42", text: "hello\nworld" })).toBe(false);
    echoes.primeText("42", "ok");
    echoes.primeText("42", "ok");
    expect(echoes.matches({ chatKey: "42", text: "ok" })).toBe(true);
    expect(echoes.matches({ chatKey: "42", text: "ok" })).toBe(true);
    expect(echoes.matches({ chatKey: "42", text: "ok" })).toBe(false);
    expect(echoes.counters()).toEqual({ matched: 3 });
  });

  it("stops matching a text after the window", () => {
    const clock = createManualClock();
    const echoes = createEchoCache({ clock, textWindowMs: 5_000 });
    echoes.primeText("42", "ok");
    clock.advance(5_000);
    expect(echoes.matches({ chatKey: "42", text: "ok" })).toBe(false);
  });

  it("forgets the oldest entries beyond maxEntries", () => {
    const echoes = createEchoCache({ clock: createManualClock(), maxEntries: 2 });
    for (const guid of ["a", "b", "c"]) echoes.primeGuid(guid);
    expect(echoes.matches({ guid: "a", chatKey: "x" })).toBe(false);
    expect(echoes.matches({ guid: "c", chatKey: "x" })).toBe(true);
  });
});
