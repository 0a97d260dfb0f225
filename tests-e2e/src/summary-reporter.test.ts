/**
 * Issue 12: `scripts/summary-reporter.ts` (the closing line of `npm test`) counts a module that fails to
 * load, a `beforeAll` that throws and an unhandled error as failures, so it never says "0 failed" for a
 * run that vitest ends with a non-zero exit. Runs a real vitest child on fixture files in a temp dir.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@imgate/cli/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createWorkspace, disposeWorkspaces } from "./harness/index.ts";

afterAll(disposeWorkspaces);

const reporter = join(repoRoot, "scripts", "summary-reporter.ts");
const vitestBin = join(repoRoot, "node_modules", "vitest", "vitest.mjs");

/** Writes `files` (globals-only test files) and a config using the reporter, runs vitest, returns its end. */
async function runFixtures(files: Record<string, string>): Promise<{ code: number | null; line: string }> {
  const dir = createWorkspace("imgate-reporter-").dir;
  writeFileSync(
    join(dir, "vitest.config.mjs"),
    `export default { test: { globals: true, include: ["*.fixture.mjs"], reporters: [${JSON.stringify(reporter)}], maxWorkers: 1 } };\n`,
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.fixture.mjs`), text);
  const child = spawn(
    process.execPath,
    [vitestBin, "run", "--config", join(dir, "vitest.config.mjs"), "--root", dir],
    {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1", CI: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.resume();
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const line =
    stdout.split("\n").find((text) => text.startsWith("vitest: ")) ?? `(no summary line in:\n${stdout})`;
  return { code, line };
}

describe("summary reporter", () => {
  it("a clean run: passed and skipped counted, 0 failed, exit 0", async () => {
    const run = await runFixtures({
      pass: 'it("a", () => {}); it("b", () => {}); it.skip("c", () => {});',
    });
    expect(run.code).toBe(0);
    expect(run.line).toBe("vitest: 2 passed, 0 failed, 1 skipped");
  });

  it("a module that fails to load, a throwing beforeAll and an unhandled error all count as failed", async () => {
    const run = await runFixtures({
      pass: 'it("passes", () => {});',
      load: 'throw new Error("cannot load this module");',
      hook: 'beforeAll(() => { throw new Error("sshd missing"); });\nit("one", () => {});\nit("two", () => {});',
      leak: 'it("leaks", () => { Promise.reject(new Error("nobody catches this")); });',
    });
    expect(run.code).not.toBe(0);
    expect(run.line).toBe(
      "vitest: 2 passed, 3 failed (2 modules or hooks failed, 1 unhandled error), 2 skipped",
    );
  });

  it("never says 0 failed when vitest exits non-zero", async () => {
    const run = await runFixtures({
      hook: 'beforeAll(() => { throw new Error("x"); });\nit("t", () => {});',
    });
    expect(run.code).not.toBe(0);
    expect(run.line).not.toMatch(/ 0 failed/);
  });
});
