import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@imgate/channel-core";
import { afterAll, describe, expect, it } from "vitest";
import { resolveAttachmentHost } from "./attachment-host.ts";

const dir = mkdtempSync(join(tmpdir(), "wrapper-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function wrapper(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const base = { accountId: "bot", cliPath: "imsg" };

describe("resolveAttachmentHost", () => {
  it("prefers remote, then remoteHost, and treats plain imsg as local", async () => {
    const remote = { host: "mac", user: "bot", hostKeyPolicy: "strict", imsgPath: "imsg" } as const;
    expect(await resolveAttachmentHost({ ...base, remote }, { logger: silentLogger })).toEqual({
      source: "remote",
      host: "mac",
      user: "bot",
    });
    expect(
      await resolveAttachmentHost({ ...base, remoteHost: "bot@mini" }, { logger: silentLogger }),
    ).toEqual({
      source: "remoteHost",
      destination: "bot@mini",
    });
    expect(await resolveAttachmentHost(base, { logger: silentLogger })).toEqual({ source: "local" });
  });

  it("reads the ssh destination from a wrapper script, one command at a time (Q11)", async () => {
    const cliPath = wrapper(
      "imsg-ssh",
      '#!/bin/sh\n# exec ssh decoy@comment imsg\nexec /usr/bin/ssh -o BatchMode=yes -T bot@mac-mini.tailnet.ts.net "/usr/local/bin/imsg" "$@"\n',
    );
    const host = await resolveAttachmentHost({ ...base, cliPath }, { logger: silentLogger });
    expect(host).toMatchObject({ source: "wrapper", destination: "bot@mac-mini.tailnet.ts.net" });
  });

  it("does not take a word from the next line as the host", async () => {
    const cliPath = wrapper("imsg-local", '#!/bin/sh\necho ssh\nexec imsg "$@"\n');
    expect(await resolveAttachmentHost({ ...base, cliPath }, { logger: silentLogger })).toEqual({
      source: "local",
    });
  });

  it("fails closed when the wrapper cannot be read", async () => {
    const host = await resolveAttachmentHost(
      { ...base, cliPath: join(dir, "missing") },
      { logger: silentLogger },
    );
    expect(host.source).toBe("unknown");
  });
});
