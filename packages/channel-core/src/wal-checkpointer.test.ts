import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "./logger.ts";
import { createManualClock } from "./manual-clock.ts";
import { openStateStore, type StateStore } from "./state-store.ts";

const dirs: string[] = [];
const stores: StateStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openBusyStore(backgroundCheckpoints: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "imgate-wal-"));
  dirs.push(dir);
  const path = join(dir, "state.db");
  const store = openStateStore({
    path,
    logger: silentLogger,
    clock: createManualClock(),
    synchronous: "normal",
    backgroundCheckpoints: backgroundCheckpoints && { busyCommits: 20, intervalMs: 10 },
  });
  stores.push(store);
  store.transaction((db) => db.exec("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)"));
  const write = (count: number) => {
    for (let i = 0; i < count; i += 1) {
      store.transaction(() => store.statement("INSERT INTO filler (body) VALUES (?)").run("x".repeat(2000)));
    }
  };
  const rows = () =>
    store.read(() => (store.statement("SELECT count(*) AS n FROM filler").get() as { n: number }).n);
  return { path, store, write, rows };
}

describe("background WAL checkpoints", () => {
  it("under busy writes, a thread copies the WAL into the database without the writer checkpointing", async () => {
    const { path, write, rows } = openBusyStore(true);
    const before = statSync(path).size;
    // 300 transactions of ~2 pages: below SQLite's own 1,000-page automatic checkpoint.
    write(300);
    // The writer never checkpoints (its automatic checkpoint is off), so only the thread can grow the file.
    await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(before + 500_000), {
      timeout: 20_000,
      interval: 20,
    });
    write(10);
    expect(rows()).toBe(310);
  });

  it("is off by default: nothing but the writer's own automatic checkpoint moves pages", () => {
    const { path, write, rows } = openBusyStore(false);
    const before = statSync(path).size;
    write(300); // ~600 pages: below the automatic checkpoint, so everything stays in the WAL
    expect(statSync(path).size).toBe(before);
    expect(rows()).toBe(300);
  });
});
