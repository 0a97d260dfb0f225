import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@imgate/channel-core";
import { createImsgClient, spawnTransport } from "@imgate/imsg-rpc";
import { afterEach, describe, expect, it } from "vitest";
import { SIM_IMSG, type SimHarness, startSim } from "./__fixtures__/sim-harness.ts";
import { imsgPortFromClient } from "./imsg-port-from-client.ts";
import { probeAccount } from "./probe.ts";

let sim: SimHarness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const never = { listChats: () => new Promise<never>(() => {}) };

describe("probeAccount", () => {
  it.each(["0.9", "0.15"] as const)("passes against imsg-sim %s", async (compat) => {
    sim = await startSim(compat);
    const result = await probeAccount({ cliPath: SIM_IMSG, port: sim.port, timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: true, binaryPath: SIM_IMSG });
  });

  it("reports a missing binary as fatal", async () => {
    const result = await probeAccount({
      cliPath: "imsg-definitely-missing",
      port: never,
      pathEnv: "/nonexistent",
    });
    expect(result).toMatchObject({ ok: false, fatal: true, error: expect.stringContaining("cliPath") });
  });

  it("reports an imsg without rpc as fatal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "probe-"));
    dirs.push(dir);
    const script = join(dir, "old-imsg");
    writeFileSync(script, '#!/bin/sh\necho \'Error: unknown command "rpc" for "imsg"\'\nexit 1\n');
    chmodSync(script, 0o755);
    const result = await probeAccount({ cliPath: script, port: never });
    expect(result).toMatchObject({ ok: false, fatal: true, error: expect.stringMatching(/rpc/) });
  });

  it.each(["0.9", "0.15"] as const)("explains a Full Disk Access denial (imsg-sim %s)", async (compat) => {
    const dir = mkdtempSync(join(tmpdir(), "probe-"));
    dirs.push(dir);
    const client = createImsgClient({
      transport: spawnTransport({
        cliPath: SIM_IMSG,
        dbPath: join(dir, "chat.db"),
        env: { IMSG_SIM_COMPAT: compat, IMSG_SIM_FDA: "1" },
      }),
      logger: silentLogger,
      restart: { maxAttempts: 1 },
    });
    const started = client.start().catch((error: unknown) => error);
    try {
      const port = {
        listChats: async (params: { limit: number }) => {
          const failure = await started;
          if (failure) throw failure;
          return imsgPortFromClient(client).listChats(params);
        },
      };
      const result = await probeAccount({ cliPath: SIM_IMSG, binaryLabel: "imsg", port, timeoutMs: 10_000 });
      expect(result.ok).toBe(false);
      expect(result.fullDiskAccess?.binary).toBe("imsg");
      expect(result.error).toMatch(/Full Disk Access/);
    } finally {
      await client.stop().catch(() => undefined);
    }
  });
});
