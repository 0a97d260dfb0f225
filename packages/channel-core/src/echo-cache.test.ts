import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createEchoCache } from "./echo-cache.ts";
import { createEchoRows } from "./echo-rows.ts";
import { silentLogger } from "./logger.ts";
import { createManualClock } from "./manual-clock.ts";
import { asyncView } from "./state/async-view.ts";
import { openStateStore, type StateStore } from "./state-store.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

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

  it("recognises a mirror: it points at a sent guid and repeats its text (same chat); other text is a reply", () => {
    const clock = createManualClock();
    const echoes = createEchoCache({ clock, guidTtlMs: 60_000 });
    echoes.primeGuid("SENT-1", { chatKey: "42", text: "Hello\r\nthere " });
    expect(echoes.matchesMirror({ replyToGuid: "SENT-1", chatKey: "42", text: "Hello\nthere" })).toBe(true);
    // Not consumed: Messages may write it more than once.
    expect(echoes.matchesMirror({ replyToGuid: "SENT-1", chatKey: "42", text: "Hello\nthere" })).toBe(true);
    expect(echoes.matchesMirror({ replyToGuid: "SENT-1", chatKey: "42", text: "Thanks!" })).toBe(false);
    expect(echoes.matchesMirror({ replyToGuid: "SENT-1", chatKey: "43", text: "Hello\nthere" })).toBe(false);
    expect(echoes.matchesMirror({ replyToGuid: "OTHER", chatKey: "42", text: "Hello\nthere" })).toBe(false);
    echoes.primeGuid("UNBOUND");
    expect(echoes.matchesMirror({ replyToGuid: "UNBOUND", chatKey: "42", text: "" })).toBe(false);
    clock.advance(60_000);
    expect(echoes.matchesMirror({ replyToGuid: "SENT-1", chatKey: "42", text: "Hello\nthere" })).toBe(false);
    expect(echoes.counters()).toEqual({ matched: 2 });
  });

  it("with a state store, remembers guids, bindings and unconsumed texts across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-echo-cache-"));
    dirs.push(dir);
    const clock = createManualClock();
    const path = join(dir, "state.db");
    const open = () => openStateStore({ path, logger: silentLogger, clock });
    const rowsOf = (store: StateStore) => asyncView(createEchoRows(store));
    const first = open();
    const before = createEchoCache({ clock, rows: rowsOf(first), scope: "imessage:a", textWindowMs: 5_000 });
    await before.primeSend({ guid: "SENT-1", chatKey: "42", text: "on my way" });
    await before.primeSend({ guid: "SENT-2", chatKey: "42", text: "  " }); // a file without text: the guid only
    await before.primeText("42", "twice");
    await before.primeText("42", "twice");
    expect(before.matches({ chatKey: "42", text: "twice" })).toBe(true);
    first.close(); // the gateway is killed

    clock.advance(1_000);
    const second = open();
    const after = createEchoCache({ clock, rows: rowsOf(second), scope: "imessage:a", textWindowMs: 5_000 });
    const otherScope = createEchoCache({ clock, rows: rowsOf(second), scope: "imessage:b" });
    await Promise.all([after.loaded, otherScope.loaded]);
    expect(otherScope.matches({ guid: "SENT-1", chatKey: "42" })).toBe(false);
    expect(after.matchesMirror({ replyToGuid: "SENT-1", chatKey: "42", text: "on my way" })).toBe(true);
    expect(after.matches({ guid: "SENT-1", chatKey: "42" })).toBe(true);
    expect(after.matches({ chatKey: "42", text: "on my way" })).toBe(true);
    expect(after.matches({ guid: "SENT-2", chatKey: "42" })).toBe(true);
    expect(after.matches({ chatKey: "42", text: "  " })).toBe(false);
    // One prime of "twice" was consumed before the restart: one copy left.
    expect(after.matches({ chatKey: "42", text: "twice" })).toBe(true);
    expect(after.matches({ chatKey: "42", text: "twice" })).toBe(false);
    second.close();

    clock.advance(5_000); // past the text window: a third process sees no text primes, the guid still
    const third = open();
    const later = createEchoCache({ clock, rows: rowsOf(third), scope: "imessage:a", textWindowMs: 5_000 });
    await later.loaded;
    expect(later.matches({ chatKey: "42", text: "on my way" })).toBe(false);
    expect(later.matches({ guid: "SENT-1", chatKey: "42" })).toBe(true);
    third.close();
  });

  it("primes made while the rows load are kept, after the loaded ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-echo-cache-"));
    dirs.push(dir);
    const clock = createManualClock();
    const store = openStateStore({ path: join(dir, "state.db"), logger: silentLogger, clock });
    try {
      const rows = asyncView(createEchoRows(store));
      await createEchoCache({ clock, rows, scope: "s" }).primeGuid("OLD");
      const echoes = createEchoCache({ clock, rows, scope: "s" });
      const primed = echoes.primeGuid("NEW");
      await Promise.all([echoes.loaded, primed]);
      expect(echoes.matches({ guid: "OLD", chatKey: "" })).toBe(true);
      expect(echoes.matches({ guid: "NEW", chatKey: "" })).toBe(true);
    } finally {
      store.close();
    }
  });

  it("a write that fails is logged, and the memory still matches", async () => {
    const clock = createManualClock();
    const warnings: string[] = [];
    const failing = async () => {
      throw new Error("database is gone");
    };
    const echoes = createEchoCache({
      clock,
      rows: { load: async () => [], insert: failing, consumeText: failing, prune: failing },
      scope: "s",
      logger: { ...silentLogger, warn: (_fields: object, message: string) => void warnings.push(message) },
    });
    await echoes.primeSend({ guid: "G", chatKey: "1", text: "hi" });
    expect(echoes.matches({ guid: "G", chatKey: "1" })).toBe(true);
    expect(warnings).toContain("echo memory: could not remember a send");
  });

  it("keeps the persisted memory bounded", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-echo-cache-"));
    dirs.push(dir);
    const clock = createManualClock();
    const store = openStateStore({ path: join(dir, "state.db"), logger: silentLogger, clock });
    try {
      const rows = asyncView(createEchoRows(store));
      const echoes = createEchoCache({ clock, rows, scope: "s", maxEntries: 10 });
      for (let i = 0; i < 200; i += 1) await echoes.primeGuid(`G${i}`);
      const count = store.read(
        (db) => (db.prepare("SELECT count(*) AS n FROM echo_memory").get() as { n: number }).n,
      );
      expect(count).toBeLessThanOrEqual(20 + 64);
      const reloaded = createEchoCache({ clock, rows, scope: "s", maxEntries: 10 });
      await reloaded.loaded;
      expect(reloaded.matches({ guid: "G199", chatKey: "" })).toBe(true);
      expect(reloaded.matches({ guid: "G0", chatKey: "" })).toBe(false);
    } finally {
      store.close();
    }
  });
});
