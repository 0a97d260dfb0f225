import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runBin } from "./__fixtures__/rpc-peer.ts";
import { createSimDb } from "./testing.ts";

let dir: string | undefined;
let db: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imsg-sim-audio-"));
  db = createSimDb(dir);
});
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Row = {
  text: string;
  attachments: Array<{ transfer_name: string; mime_type: string; total_bytes: number }>;
};

async function history(): Promise<Row[]> {
  const out = await runBin("imsg", ["history", "--db", db, "--chat-id", "1", "--limit", "5", "--json"]);
  return out.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Row);
}

describe("imsg-sim inject: voice memos (protocol §3: Apple's transcript replaces the text)", () => {
  it("reports the audio-transcription of a memo's attachment as its text, and U+FFFC without one", async () => {
    const memo = join(dir as string, "Audio Message.caf");
    writeFileSync(memo, "caff-bytes");
    const plain = await runBin("imsg-sim", [
      "inject",
      "--db",
      db,
      "--from",
      "+15550001111",
      "--attachment",
      memo,
      "--audio",
    ]);
    expect(plain.code).toBe(0);
    const spoken = await runBin("imsg-sim", [
      "inject",
      "--db",
      db,
      "--from",
      "+15550001111",
      "--attachment",
      memo,
      "--audio-transcript",
      "Running late <10 min> & sorry",
    ]);
    expect(spoken.code).toBe(0);
    const [newest, oldest] = await history();
    expect(newest?.text).toBe("Running late <10 min> & sorry");
    expect(newest?.attachments[0]).toMatchObject({
      transfer_name: "Audio Message.caf",
      mime_type: "audio/x-caf",
      total_bytes: 10,
    });
    expect(oldest?.text).toBe("\uFFFC");
  });
});
