import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RemoteSshErrorCode } from "./errors.ts";
import { parseWrapperHost, readWrapperHost } from "./read-wrapper-host.ts";
import { splitShellCommands } from "./shell-words.ts";

describe("parseWrapperHost", () => {
  it("reads the simple documented wrapper", () => {
    expect(parseWrapperHost('#!/bin/sh\nexec ssh -T bot@mac-mini imsg "$@"\n')).toEqual({
      host: "mac-mini",
      user: "bot",
      destination: "bot@mac-mini",
    });
  });

  it("skips options with values, quoted remote commands and absolute ssh paths", () => {
    const script =
      '#!/bin/bash\nexec /usr/bin/ssh -o BatchMode=yes -o ConnectTimeout=5 -T user@localhost "/usr/local/bin/imsg" "$@"\n';
    expect(parseWrapperHost(script)).toMatchObject({ host: "localhost", user: "user" });
  });

  it("handles -p/-l/-i/-F/-J, glued values, -o Port/User, and env assignments", () => {
    const script = [
      "#!/bin/sh",
      "# exec ssh decoy@commented-out imsg",
      "set -e",
      "LANG=C env -i FOO=bar ssh -4 -p2222 -l admin -i ~/.ssh/mac -F ~/.ssh/alt -J jump \\",
      "   -o 'User = bot' -o Port=2200 -qT mac-mini.local imsg rpc",
    ].join("\n");
    expect(parseWrapperHost(script)).toEqual({
      host: "mac-mini.local",
      user: "bot",
      port: 2200,
      identityFile: "~/.ssh/mac",
      sshConfigFile: "~/.ssh/alt",
      proxyJump: "jump",
      destination: "mac-mini.local",
    });
  });

  it("reads ssh:// destinations", () => {
    expect(parseWrapperHost("exec ssh ssh://bot@mac:2022 imsg")).toMatchObject({
      host: "mac",
      user: "bot",
      port: 2022,
    });
  });

  it("takes only an ssh command's destination, never a bare host near an imsg word (Q11)", () => {
    expect(parseWrapperHost('#!/bin/sh\necho mac-mini imsg\nexec imsg "$@"\n')).toBeUndefined();
    // A regex that matched across lines would have taken `evil@host` from the echo.
    expect(parseWrapperHost('echo "ssh evil@host"\nexec ssh -T bot@mac imsg "$@"')).toMatchObject({
      host: "mac",
    });
    expect(parseWrapperHost("grep ssh file\nsshpass x")).toBeUndefined();
  });

  it("does not guess a destination built from variables", () => {
    expect(parseWrapperHost('HOST=mac\nexec ssh -T "$HOST" imsg "$@"')).toBeUndefined();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell expansion is the point
    expect(parseWrapperHost("exec ssh -T ${USER}@mac imsg")).toBeUndefined();
  });
});

describe("splitShellCommands", () => {
  it("splits on separators and keeps quoted separators inside words", () => {
    const cmds = splitShellCommands("a 'b; c' \"d|e\" f\\ g; h && i # j\nk\\\nl");
    expect(cmds.map((c) => c.map((w) => w.value))).toEqual([
      ["a", "b; c", "d|e", "f g"],
      ["h"],
      ["i"],
      ["kl"],
    ]);
  });
});

describe("readWrapperHost", () => {
  it("reads a file and reports an unreadable one with WRAPPER_UNREADABLE", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wrapper-"));
    try {
      const path = join(dir, "imsg-remote");
      writeFileSync(path, '#!/bin/sh\nexec ssh -T bot@mac-mini imsg "$@"\n');
      expect(await readWrapperHost(path)).toMatchObject({ host: "mac-mini", user: "bot" });
      await expect(readWrapperHost(join(dir, "missing"))).rejects.toMatchObject({
        code: RemoteSshErrorCode.wrapperUnreadable,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
