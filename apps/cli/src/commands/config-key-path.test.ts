import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";

afterAll(removeTempDirs);

describe("imgate config: key paths use the one parser (channel-core's, as the /config chat command)", () => {
  it("refuses a reserved key with exit 2 and leaves the file alone", async () => {
    const dir = makeTempDir();
    const config = join(dir, "imgate.json5");
    const original = "{ channels: { imessage: { dmPolicy: 'pairing' } } }\n";
    writeFileSync(config, original);
    const run = await runCli(["config", "set", "channels.__proto__.x", "1", "--config", config], {
      env: { HOME: dir },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('uses the reserved key "__proto__"');
    expect(readFileSync(config, "utf8")).toBe(original);
  });

  it("names a malformed path and shows a well-formed one", async () => {
    const dir = makeTempDir();
    const config = join(dir, "imgate.json5");
    writeFileSync(config, "{}\n");
    const run = await runCli(["config", "get", "channels..imessage", "--config", config], {
      env: { HOME: dir },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid config path "channels..imessage": it has an empty key');
    expect(run.stderr).toContain("Use dotted keys such as");
  });
});
