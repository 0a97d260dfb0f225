import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";

afterAll(removeTempDirs);

describe("imgate demo --script-only", () => {
  it("plays the whole scripted conversation with real processes and exits 0", {
    timeout: 180_000,
  }, async () => {
    const run = await runCli(["demo", "--script-only"], { env: { HOME: makeTempDir() } });
    expect(run.stderr).not.toMatch(/imgate: /);
    expect(run.code).toBe(0);
    const out = run.stdout;
    // 1. The stranger gets a pairing code.
    const code = /Molty → \+15550001111: .*?\b([A-HJ-NP-Z2-9]{8})\b/s.exec(out)?.[1];
    expect(code).toBeDefined();
    // 2. The owner approves it with the CLI and the sender is told.
    expect(out).toContain(`$ imgate pairing approve imessage ${code} --notify`);
    expect(out).toMatch(/Approved \+15550001111 on imessage/);
    expect(out).toMatch(/Molty → \+15550001111: .*approved/i);
    // 3. The echo agent answers with exactly what it got.
    expect(out).toContain("Molty → +15550001111:  What's the weather like?");
    expect(out).toContain("Molty → +15550001111:  Thanks, talk later 👋");
    // 4. A group message without a mention is ignored; with one it is answered.
    expect(out).toContain('(no reply to "Anyone up for a hike on Saturday?": not mentioned');
    expect(out).toContain('Molty → "Weekend plans":  @molty can you remind us on Friday?');
    // 5. Read receipt, typing bubble (imsg-sim's bridge journal) and a tapback that is an event, not a text.
    expect(out).toContain("“Read” under the message, as the agent takes it");
    expect(out).toContain("Molty is typing …");
    expect(out).toContain("the typing bubble goes away");
    expect(out).toContain("(the tapback reached Molty as an event, not as a message “Loved …” to answer");
    expect(out).toContain("Molty → +15550001111:  Bye!");
    expect(out).toContain("The script is done.");
  });
});
