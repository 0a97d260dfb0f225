/**
 * `locateExecutable` on a real file system (openclaw/openclaw #147703 and #144998: a directory or a
 * mode-0644 file was reported usable; a directory early on PATH hid the real program later on PATH).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { locateExecutable } from "./locate-executable.ts";

const root = mkdtempSync(join(tmpdir(), "imgate-locate-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(path: string, mode: number): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, mode);
  return path;
}

describe("locateExecutable", () => {
  it("an executable file by path is found", () => {
    const path = file(join(root, "a", "imsg"), 0o755);
    expect(locateExecutable(path, {})).toEqual({ kind: "found", path });
  });

  it("a file without the execute bit is not executable, not missing", () => {
    const path = file(join(root, "b", "imsg"), 0o644);
    expect(locateExecutable(path, {})).toEqual({
      kind: "not-executable",
      path,
      reason: "it has no execute permission",
    });
  });

  it("a directory is not executable", () => {
    const dir = join(root, "c", "imsg");
    mkdirSync(dir, { recursive: true });
    expect(locateExecutable(dir, {})).toMatchObject({
      kind: "not-executable",
      reason: expect.stringContaining("directory"),
    });
  });

  it("a bare name keeps searching PATH past a directory of that name", () => {
    mkdirSync(join(root, "d1", "imsg"), { recursive: true });
    const real = file(join(root, "d2", "imsg"), 0o755);
    const PATH = [join(root, "d1"), join(root, "d2")].join(delimiter);
    expect(locateExecutable("imsg", { PATH })).toEqual({ kind: "found", path: real });
    expect(locateExecutable("imsg", { PATH: join(root, "d1") })).toMatchObject({ kind: "not-executable" });
    expect(locateExecutable("nothing-here", { PATH })).toEqual({
      kind: "not-found",
      searched: "nothing-here is not on PATH",
    });
  });

  it("a path that does not exist is not found, and says where it looked", () => {
    expect(locateExecutable(join(root, "missing", "imsg"), {})).toEqual({
      kind: "not-found",
      searched: join(root, "missing", "imsg"),
    });
  });
});

describe("locateExecutable: ~ and bare names", () => {
  it("expands ~ against HOME from the given env", () => {
    const path = file(join(root, "home", "bin", "imsg"), 0o755);
    expect(locateExecutable("~/bin/imsg", { HOME: join(root, "home") })).toEqual({ kind: "found", path });
  });
});
