import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnTransport } from "@imgate/imsg-rpc";
import { afterEach, describe, expect, it } from "vitest";
import { SIM_IMSG } from "./__fixtures__/sim-harness.ts";
import { type ProbeOptions, probeAccount, probeHandshake } from "./probe.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "probe-"));
  dirs.push(dir);
  return dir;
}

/** Opens a local transport to `cliPath` (the sim or a script) and counts how often it was opened. */
function opener(cliPath: string, env: Record<string, string> = {}) {
  const counts = { opened: 0, closed: 0 };
  const dbPath = join(tempDir(), "chat.db");
  const open: ProbeOptions["open"] = () => {
    counts.opened += 1;
    return {
      transport: spawnTransport({ cliPath, dbPath, env: { IMSG_SIM_CREATE_DB: "1", ...env } }),
      close: async () => {
        counts.closed += 1;
      },
    };
  };
  return { open, counts };
}

function script(name: string, body: string, mode = 0o755): string {
  const file = join(tempDir(), name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}

describe("probeAccount", () => {
  it.each(["0.9", "0.15"] as const)("passes the handshake against imsg-sim %s", async (compat) => {
    const { open, counts } = opener(SIM_IMSG, { IMSG_SIM_COMPAT: compat });
    const result = await probeAccount({ cliPath: SIM_IMSG, env: process.env, open, timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: true, binaryPath: SIM_IMSG });
    expect(result.ok && result.capabilities?.family).toBe(compat);
    expect(counts).toEqual({ opened: 1, closed: 1 });
  });

  it("reports a missing binary without opening a transport", async () => {
    const { open, counts } = opener(SIM_IMSG);
    const result = await probeAccount({
      cliPath: "imsg-definitely-missing",
      env: { PATH: "/nonexistent" },
      open,
    });
    expect(result).toMatchObject({ ok: false, located: { kind: "not-found" } });
    expect(counts.opened).toBe(0);
  });

  it("reports a file without the execute bit as not executable", async () => {
    const file = script("imsg", "exit 0", 0o644);
    const { open, counts } = opener(file);
    const result = await probeAccount({ cliPath: file, env: process.env, open });
    expect(result).toMatchObject({ ok: false, located: { kind: "not-executable", path: file } });
    expect(counts.opened).toBe(0);
  });

  it("tells an imsg without `rpc` (or any other program) from imsg", async () => {
    const file = script("old-imsg", 'echo \'Error: unknown command "rpc" for "imsg"\' >&2\nexit 1');
    const { open, counts } = opener(file);
    const result = await probeAccount({ cliPath: file, env: process.env, open, timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: false, binaryPath: file, failure: "not-imsg" });
    expect(result.ok === false && "reason" in result && result.reason).not.toMatch(
      /request was not completed/,
    );
    expect(counts).toEqual({ opened: 1, closed: 1 });
  });

  it("tells an imsg that refuses the handshake from a program that is not imsg", async () => {
    // Speaks JSON-RPC (so it is imsg) but answers `initialize` with an error other than "method not found".
    const file = script(
      "imsg",
      [
        "read -r line",
        `id=$(printf '%s' "$line" | sed -n 's/.*"id":\\([0-9]*\\).*/\\1/p')`,
        `printf '{"jsonrpc":"2.0","id":%s,"error":{"code":-32000,"message":"database is locked"}}\\n' "$id"`,
        "cat >/dev/null",
      ].join("\n"),
    );
    const { open } = opener(file);
    const result = await probeAccount({ cliPath: file, env: process.env, open, timeoutMs: 10_000 });
    expect(result).toMatchObject({
      ok: false,
      failure: "refused",
      reason: expect.stringMatching(/database is locked/),
    });
  });

  it.each(["0.9", "0.15"] as const)("recognises a Full Disk Access denial (imsg-sim %s)", async (compat) => {
    const { open } = opener(SIM_IMSG, { IMSG_SIM_COMPAT: compat, IMSG_SIM_FDA: "1" });
    const result = await probeAccount({ cliPath: SIM_IMSG, env: process.env, open, timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: false, binaryPath: SIM_IMSG, failure: "full-disk-access" });
  });

  it("reports a transport that cannot be opened instead of throwing", async () => {
    const result = await probeAccount({
      cliPath: SIM_IMSG,
      env: process.env,
      open: () => {
        throw new Error("no such key file");
      },
    });
    expect(result).toMatchObject({ ok: false, failure: "cannot-start", reason: "no such key file" });
  });
});

describe("probeHandshake (a remote account's only step)", () => {
  it("runs the handshake without locating anything", async () => {
    const { open, counts } = opener(SIM_IMSG, { IMSG_SIM_COMPAT: "0.15" });
    const result = await probeHandshake({ open, timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: true });
    expect("binaryPath" in result).toBe(false);
    expect(counts).toEqual({ opened: 1, closed: 1 });
  });
});
