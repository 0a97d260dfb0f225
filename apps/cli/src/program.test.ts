import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "./testing/run-cli.ts";

afterAll(removeTempDirs);

const version = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

describe("imgate (command framework)", () => {
  it("prints the version and exits 0", async () => {
    const run = await runCli(["--version"]);
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("lists every fixed command in --help", async () => {
    const run = await runCli(["--help"], { env: { HOME: makeTempDir() } });
    expect(run.code).toBe(0);
    for (const command of [
      "gateway",
      "pairing",
      "config",
      "chats",
      "history",
      "send",
      "status",
      "pause",
      "resume",
      "doctor",
      "demo",
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    }
  });

  it("exits 2 with one line on stderr for an unknown command or option", async () => {
    const unknown = await runCli(["pairng"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'pairng'.*pairing/s);
    const option = await runCli(["status", "--jsonn"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/unknown option '--jsonn'/);
    expect(option.stdout).toBe("");
  });

  it("exits 2 for a missing argument", async () => {
    const run = await runCli(["config", "get"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/missing required argument 'path'/);
  });

  it("exits 2 when --config names a file that does not exist, naming the fix", async () => {
    const home = makeTempDir();
    const run = await runCli(["status", "--config", `${home}/nope.json5`], { env: { HOME: home } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${home}/nope.json5`);
    expect(run.stderr).toMatch(/does not exist; create it/);
  });
});
