import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteBackend, openStateStore, silentLogger } from "@imgate/channel-core";
import { afterEach, describe, expect, it } from "vitest";
import { createCoreServices } from "./core-services.ts";
import { startHousekeeping } from "./housekeeping.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("startHousekeeping", () => {
  it("purges expired pairing requests and dedupe marks, and keeps fresh ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgate-housekeeping-"));
    dirs.push(dir);
    let now = Date.UTC(2026, 0, 1);
    const store = openStateStore({
      path: join(dir, "state.db"),
      logger: silentLogger,
      clock: { now: () => now },
    });
    const clock = { now: () => now };
    const backend = createSqliteBackend(store);
    const core = createCoreServices(backend, silentLogger);
    const { pairing, dedupe, sendLog } = backend.stores;
    pairing.request({ channel: "imessage", sender: "+15550001111" });
    dedupe.seen("default", "GUID-1");
    sendLog.record({
      channel: "imessage",
      accountId: "default",
      contact: "1",
      newContact: true,
      at: now,
    });
    const housekeeping = startHousekeeping(core, { logger: silentLogger, clock, intervalMs: 60_000 });
    try {
      expect(await housekeeping.runOnce()).toEqual({ pairingRequests: 0, dedupeMarks: 0, sendLogRows: 0 });
      expect(pairing.list("imessage")).toHaveLength(1);
      now += 8 * 24 * 60 * 60 * 1000; // past the pairing TTL and the 7-day dedupe TTL
      expect(await housekeeping.runOnce()).toEqual({ pairingRequests: 1, dedupeMarks: 1, sendLogRows: 1 });
      expect(dedupe.seen("default", "GUID-1")).toBe(false);
    } finally {
      housekeeping.stop();
      store.close();
    }
  });
});
