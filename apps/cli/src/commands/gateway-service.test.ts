import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";

afterAll(removeTempDirs);

describe("imgate gateway install / uninstall", () => {
  it("prints a valid systemd user unit in dry-run and writes nothing", async () => {
    const home = makeTempDir();
    const config = join(home, "my config.json5");
    const run = await runCli(
      ["gateway", "install", "--dry-run", "--platform", "systemd", "--config", config],
      {
        env: { HOME: home },
      },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(join(home, ".config/systemd/user/imgate.service"));
    const sections = [...run.stdout.matchAll(/^\[(\w+)\]$/gm)].map((m) => m[1]);
    expect(sections).toEqual(["Unit", "Service", "Install"]);
    for (const line of run.stdout.split("\n")) {
      expect(line === "" || /^\[\w+\]$/.test(line) || /^[A-Za-z]+=/.test(line)).toBe(true);
    }
    const exec = /^ExecStart=(.*)$/m.exec(run.stdout)?.[1] ?? "";
    expect(exec.startsWith(`${process.execPath} `)).toBe(true);
    expect(exec).toContain("/apps/cli/dist/main.js gateway --config");
    expect(exec).toContain(`"${config}"`);
    expect(run.stdout).toMatch(/^WantedBy=default.target$/m);
    expect(run.stdout).toMatch(/^Restart=on-failure$/m);
    expect(existsSync(join(home, ".config"))).toBe(false);
  });

  it("prints a launchd plist in dry-run", async () => {
    const home = makeTempDir();
    const run = await runCli(
      ["gateway", "install", "--print", "--platform", "launchd", "--config", "/etc/a&b.json5"],
      {
        env: { HOME: home },
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<!DOCTYPE plist/);
    expect(run.stdout).toContain("<string>dev.imgate.gateway</string>");
    expect(run.stdout).toContain("<string>/etc/a&amp;b.json5</string>");
    // Balanced tags: every <dict>/<array> closes.
    expect(run.stdout.match(/<dict>/g)?.length).toBe(run.stdout.match(/<\/dict>/g)?.length);
    expect(run.stdout.match(/<array>/g)?.length).toBe(run.stdout.match(/<\/array>/g)?.length);
    expect(run.stderr).toContain(join(home, "Library/LaunchAgents/dev.imgate.gateway.plist"));
  });

  it("writes to --dir without touching the service manager, and uninstalls", async () => {
    const home = makeTempDir();
    const dir = join(home, "units");
    const config = join(home, "imgate.json5");
    writeFileSync(config, "{}\n");
    const install = await runCli(
      ["gateway", "install", "--platform", "systemd", "--dir", dir, "--config", config],
      { env: { HOME: home } },
    );
    expect(install.code).toBe(0);
    const file = join(dir, "imgate.service");
    expect(readFileSync(file, "utf8")).toContain("ExecStart=");
    expect(install.stdout).toContain("Not starting it");
    const uninstall = await runCli(["gateway", "uninstall", "--platform", "systemd", "--dir", dir], {
      env: { HOME: home },
    });
    expect(uninstall.code).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it("rejects an unknown platform with exit 2", async () => {
    const run = await runCli(["gateway", "install", "--platform", "upstart", "--dry-run"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/launchd, systemd/);
  });
});
