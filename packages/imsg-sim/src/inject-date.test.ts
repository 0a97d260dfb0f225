import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runBin } from "./__fixtures__/rpc-peer.ts";
import { openChatDb } from "./chat-db.ts";
import { createSimDb } from "./testing.ts";

let dir: string;
let db: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imsg-sim-date-"));
  db = createSimDb(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("imsg-sim inject --date", () => {
  it("writes a new row with an old send date (a late-synced message), as ISO-8601 or Unix ms", async () => {
    const iso = await runBin("imsg-sim", [
      "inject",
      "--db",
      db,
      "--from",
      "+15550001111",
      "--text",
      "old",
      "--date",
      "2015-06-01T10:00:00Z",
      "--json",
    ]);
    expect(iso.code).toBe(0);
    const ms = await runBin("imsg-sim", [
      "inject",
      "--db",
      db,
      "--from",
      "+15550001111",
      "--text",
      "older",
      "--date",
      String(Date.UTC(2014, 0, 1)),
      "--json",
    ]);
    expect(ms.code).toBe(0);
    const history = await runBin("imsg", ["history", "--db", db, "--chat-id", "1", "--limit", "5", "--json"]);
    const rows = history.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: number; text: string; created_at: string });
    expect(rows.map((row) => [row.text, row.created_at])).toEqual([
      ["old", "2015-06-01T10:00:00.000Z"],
      ["older", "2014-01-01T00:00:00.000Z"],
    ]);
    // New ROWIDs despite the old dates: the second row sorts last by date but first by ROWID order.
    const ids = openChatDb(db);
    try {
      expect(ids.prepare("SELECT text FROM message ORDER BY ROWID").all()).toEqual([
        { text: "old" },
        { text: "older" },
      ]);
    } finally {
      ids.close();
    }
  });

  it("refuses a date without a zone, naming the accepted forms", async () => {
    const run = await runBin("imsg-sim", [
      "inject",
      "--db",
      db,
      "--from",
      "+15550001111",
      "--date",
      "2015-06-01 10:00",
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain("ISO-8601 time with a zone");
  });
});
