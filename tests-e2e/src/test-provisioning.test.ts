/**
 * Issue 12: `npm test` provisions what the suite needs (OpenSSH for the sshd tests) through ONE script,
 * shared with `.ci/run`, and when it cannot install it prints one line naming the command and fails —
 * it never lets those tests fail or skip silently.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@imgate/cli/testing";
import { describe, expect, it } from "vitest";

const script = join(repoRoot, "scripts", "provision-test-deps.sh");

function provision(env: Record<string, string>) {
  const run = spawnSync("bash", [script], { env: { ...process.env, ...env }, encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("test provisioning", () => {
  it("with sshd missing and installing not possible: one line naming the command, exit non-zero", () => {
    const run = provision({ IMGATE_SSHD: "/nonexistent/sshd", IMGATE_PROVISION_NO_INSTALL: "1" });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^imgate: the tests need openssh-server .*; run: .*openssh/);
  });

  it("with PostgreSQL's server missing and installing not possible: one line naming postgresql, exit non-zero", () => {
    const run = provision({ IMGATE_PG_BIN: "/nonexistent/pg/bin", IMGATE_PROVISION_NO_INSTALL: "1" });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^imgate: the tests need postgresql .*initdb and postgres.*; run: .*postgresql/);
  });

  it("with everything installed: silent, exit 0", () => {
    const run = provision({ IMGATE_PROVISION_NO_INSTALL: "1" });
    expect(run).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it("npm test and .ci/run both go through the script", () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.test).toMatch(/^bash scripts\/provision-test-deps\.sh && /);
    expect(readFileSync(join(repoRoot, ".ci", "run"), "utf8")).toContain(
      "bash scripts/provision-test-deps.sh",
    );
  });
});

describe("a test file whose beforeAll fails (no sshd)", () => {
  it("fails with its own error, counted as failed, and its afterAll does not throw on the missing temp dir", () => {
    const run = spawnSync(
      process.execPath,
      [
        join(repoRoot, "node_modules", "vitest", "vitest.mjs"),
        "run",
        "packages/remote-ssh/src/ssh-connection.test.ts",
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, IMGATE_SSHD: "/nonexistent/sshd", NO_COLOR: "1" },
        encoding: "utf8",
      },
    );
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status).not.toBe(0);
    expect(output).toContain("/nonexistent/sshd not found");
    // The afterAll guard: no second error about an undefined path hiding the first one.
    expect(output).not.toMatch(/"path" argument must be of type string/);
    const summary = run.stdout.split("\n").find((line) => line.startsWith("vitest: ")) ?? "";
    expect(summary).toMatch(/^vitest: 0 passed, [1-9]\d* failed/);
  });
});
