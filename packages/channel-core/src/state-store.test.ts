import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, recordingLogger } from "./__fixtures__/temp-dir.ts";
import { stateMigrations } from "./migrations.ts";
import { StateErrorCode, StateStoreError } from "./state-errors.ts";
import { openStateStore } from "./state-store.ts";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

function captureError(fn: () => unknown): StateStoreError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StateStoreError);
    return error as StateStoreError;
  }
  throw new Error("expected an error");
}

describe("openStateStore", () => {
  it("creates the directory 0700 and the file 0600, in WAL mode, at the latest schema version", () => {
    const path = join(dir, "nested", "state", "state.db");
    const store = openStateStore({ path });
    expect(statSync(join(dir, "nested", "state")).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(store.schemaVersion).toBe(stateMigrations.length);
    const mode = store.read((db) => db.prepare("PRAGMA journal_mode").get()) as { journal_mode: string };
    expect(mode.journal_mode).toBe("wal");
    store.transaction((db) => db.exec("INSERT INTO cursors VALUES ('a', 's', '1', 0)"));
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    store.close();
  });

  it("runs synchronous=FULL by default and NORMAL when asked", () => {
    const level = (store: ReturnType<typeof openStateStore>) =>
      (store.read((db) => db.prepare("PRAGMA synchronous").get()) as { synchronous: number }).synchronous;
    const full = openStateStore({ path: join(dir, "full.db") });
    const normal = openStateStore({ path: join(dir, "normal.db"), synchronous: "normal" });
    expect(level(full)).toBe(2);
    expect(level(normal)).toBe(1);
    full.close();
    normal.close();
  });

  it("tightens a loose existing directory and file and logs it", () => {
    const stateDir = join(dir, "loose");
    mkdirSync(stateDir, { mode: 0o755 });
    chmodSync(stateDir, 0o755);
    const path = join(stateDir, "state.db");
    openStateStore({ path }).close();
    chmodSync(stateDir, 0o755);
    chmodSync(path, 0o644);
    const logger = recordingLogger();
    const store = openStateStore({ path, logger });
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const warnings = logger.lines.filter((line) => line.level === "warn").map((line) => line.message);
    expect(warnings).toEqual([
      "state directory permissions were too open; tightened",
      "state database permissions were too open; tightened",
    ]);
    store.close();
  });

  it("keeps data across close and reopen, and refuses use after close", () => {
    const path = join(dir, "state.db");
    const store = openStateStore({ path });
    store.transaction((db) => db.exec("INSERT INTO cursors VALUES ('a', 's', '41', 0)"));
    store.close();
    store.close();
    expect(captureError(() => store.read(() => 1)).code).toBe(StateErrorCode.closed);
    const again = openStateStore({ path });
    expect(again.read((db) => db.prepare("SELECT position FROM cursors").get())).toEqual({ position: "41" });
    again.close();
  });

  it("rejects a file that is not a database with one clear error naming the file", () => {
    const path = join(dir, "state.db");
    writeFileSync(path, "definitely not sqlite\n".repeat(500));
    const error = captureError(() => openStateStore({ path }));
    expect(error.code).toBe(StateErrorCode.corrupt);
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/move the file .* aside/);
    expect(error.cause).toBeDefined();
  });

  it("rejects a malformed database (damaged schema page) as corrupt", () => {
    const path = join(dir, "state.db");
    openStateStore({ path }).close();
    // Keep the 100-byte header, overwrite the rest of page 1 (the schema b-tree) with garbage.
    const fd = openSync(path, "r+");
    const header = Buffer.alloc(100);
    readSync(fd, header, 0, 100, 0);
    writeSync(fd, Buffer.alloc(3000, 0xa5), 0, 3000, 100);
    closeSync(fd);
    const error = captureError(() => openStateStore({ path }));
    expect(error.code).toBe(StateErrorCode.corrupt);
    expect(error.message).toContain(path);
  });

  it("rejects a database from a newer imgate and leaves it untouched", () => {
    const path = join(dir, "state.db");
    openStateStore({ path }).close();
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${stateMigrations.length + 5}`);
    raw.close();
    const error = captureError(() => openStateStore({ path }));
    expect(error.code).toBe(StateErrorCode.tooNew);
    expect(error.message).toContain(path);
    expect(error.message).toContain("Upgrade imgate");
    const check = new DatabaseSync(path);
    expect(check.prepare("PRAGMA user_version").get()).toEqual({ user_version: stateMigrations.length + 5 });
    check.close();
  });

  it("reports a lock held beyond the busy timeout as STATE_DB_LOCKED, at open and on write", () => {
    // A fresh rollback-journal database exclusively locked by another connection: opening must wait, then fail.
    const path = join(dir, "state.db");
    const holder = new DatabaseSync(path);
    holder.exec("CREATE TABLE x (y); BEGIN EXCLUSIVE; INSERT INTO x VALUES (1);");
    const atOpen = captureError(() => openStateStore({ path, busyTimeoutMs: 50 }));
    expect(atOpen.code).toBe(StateErrorCode.locked);
    expect(atOpen.message).toContain(path);
    holder.exec("ROLLBACK");
    holder.close();

    const store = openStateStore({ path, busyTimeoutMs: 50 });
    const other = new DatabaseSync(path);
    other.exec("BEGIN IMMEDIATE");
    const onWrite = captureError(() =>
      store.transaction((db) => db.exec("INSERT INTO cursors VALUES ('a','s','1',0)")),
    );
    expect(onWrite.code).toBe(StateErrorCode.locked);
    other.exec("ROLLBACK");
    other.close();
    // The failed transaction left nothing half-open: the next one succeeds.
    store.transaction((db) => db.exec("INSERT INTO cursors VALUES ('a','s','1',0)"));
    expect(store.read((db) => db.prepare("SELECT count(*) AS n FROM cursors").get())).toEqual({ n: 1 });
    store.close();
  });

  it("runs each migration once, in order, each in its own transaction, and stops at a failing one", () => {
    const path = join(dir, "state.db");
    const applied: number[] = [];
    const migrations = [
      {
        version: 1,
        name: "one",
        up: (db: DatabaseSync) => {
          applied.push(1);
          db.exec("CREATE TABLE a (x)");
        },
      },
      {
        version: 2,
        name: "two",
        up: (db: DatabaseSync) => {
          applied.push(2);
          db.exec("CREATE TABLE b (x)");
        },
      },
    ];
    openStateStore({ path, migrations }).close();
    openStateStore({ path, migrations }).close();
    expect(applied).toEqual([1, 2]);
    const broken = [
      ...migrations,
      {
        version: 3,
        name: "three",
        up: (db: DatabaseSync) => {
          db.exec("CREATE TABLE c (x)");
          throw new Error("boom");
        },
      },
    ];
    expect(() => openStateStore({ path, migrations: broken })).toThrow("boom");
    const raw = new DatabaseSync(path);
    expect(raw.prepare("PRAGMA user_version").get()).toEqual({ user_version: 2 });
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'c'").get()).toBeUndefined();
    raw.close();
    expect(() => openStateStore({ path, migrations: [migrations[1]!] })).toThrow(/numbered 1, 2, 3/);
  });

  it("rolls back a transaction that throws and keeps an inner savepoint's failure local", () => {
    const store = openStateStore({ path: ":memory:" });
    expect(() =>
      store.transaction((db) => {
        db.exec("INSERT INTO cursors VALUES ('a','s','1',0)");
        throw new Error("no");
      }),
    ).toThrow("no");
    store.transaction((db) => {
      db.exec("INSERT INTO cursors VALUES ('a','outer','1',0)");
      expect(() =>
        store.transaction((inner) => {
          inner.exec("INSERT INTO cursors VALUES ('a','inner','1',0)");
          throw new Error("inner");
        }),
      ).toThrow("inner");
    });
    expect(store.read((db) => db.prepare("SELECT source FROM cursors").all())).toEqual([{ source: "outer" }]);
    expect(() => store.transaction(() => Promise.resolve(1))).toThrow(/synchronous/);
    store.close();
  });
});
