import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  createWorkspace,
  type GatewayProcess,
  type LogLine,
  outgoingRows,
  startGateway,
  waitFor,
} from "../harness/index.ts";
import { sampleMemory } from "./process-memory.ts";
import { proofSizes } from "./proof-size.ts";
import { printProofTable } from "./proof-table.ts";
import { proofSeed } from "./seeded-random.ts";
import { writeFuzzPeer } from "./write-fuzz-peer.ts";

const sizes = proofSizes();
const ALICE = "+15550007777";
const MEMORY_BOUND_MB = 512;

/** Drop reasons the gateway logged for lines it skipped or notifications it refused. */
function dropsFromLogs(logs: readonly LogLine[]): Record<string, number> {
  const drops: Record<string, number> = {};
  for (const line of logs) {
    let reason: string | undefined;
    if (typeof line.reason === "string" && line.msg.startsWith("Skipped a ")) reason = line.reason;
    else if (line.msg.startsWith("dropped an invalid imsg")) reason = "invalid-notification";
    if (reason) drops[reason] = (drops[reason] ?? 0) + 1;
  }
  return drops;
}

describe(`fuzz proof (${sizes.mode})`, () => {
  let gateway: GatewayProcess | undefined;
  afterAll(async () => {
    await gateway?.dispose();
  });

  it(
    "random and mutated imsg output, a 64 MiB line and a partial line: the gateway stays up, bounded, counting drops",
    async () => {
      const seed = proofSeed();
      const workspace = createWorkspace();
      const cliPath = writeFuzzPeer(workspace, {
        lines: sizes.fuzz.lines,
        seed,
        oversizedBytes: sizes.fuzz.oversizedBytes,
        spreadMs: sizes.fuzz.spreadMs,
      });
      gateway = await startGateway({
        workspace,
        config: { channels: { imessage: { cliPath, dmPolicy: "allowlist", allowFrom: [ALICE] } } },
      });
      const gw = gateway;
      const memory = sampleMemory(() => gw.pid, 50);
      const doneFile = workspace.path("fuzz-done.json");
      const real: string[] = [];
      let chatId = 0;
      // Real messages while the fuzz runs; each must be answered exactly once, in its chat.
      const pause = sizes.fuzz.spreadMs / sizes.fuzz.realMessages;
      let duringFuzz = 0;
      for (let i = 0; i < sizes.fuzz.realMessages; i++) {
        const text = `fuzz ${seed} real #${i}`;
        if (!existsSync(doneFile)) duringFuzz++;
        chatId = gw.inject({ from: ALICE, text }).chatId;
        real.push(text);
        // The peer holds back the second half of its fuzz until now, so this message always meets it.
        if (i === 0) writeFileSync(workspace.path("real-started"), "");
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
      await waitFor(() => existsSync(doneFile), {
        timeoutMs: sizes.timeoutMs - 30_000,
        what: "the fuzzing peer to finish",
      });
      // The peer ended on half a line and exit 1; the gateway restarts imsg and answers a real message.
      const after = `fuzz ${seed} after the storm`;
      chatId = gw.inject({ from: ALICE, text: after }).chatId;
      real.push(after);
      await waitFor(() => gw.outgoing(chatId).includes(after), {
        timeoutMs: 60_000,
        what: "the answer to a real message after the fuzz",
      });
      await waitFor(() => real.every((text) => gw.outgoing(chatId).includes(text)), {
        timeoutMs: 30_000,
        what: "answers to every real message",
      });
      memory.stop();
      const stillRunning = gw.running;
      const logs = gw.logs({ allRuns: true });
      const dropMetric = (reason: string) => gw.metric("imgate_imsg_lines_dropped_total", { reason });
      const scraped = {
        oversized: await dropMetric("oversized"),
        "invalid-utf8": await dropMetric("invalid-utf8"),
        "invalid-json": await dropMetric("invalid-json"),
        "invalid-message": await dropMetric("invalid-message"),
      };
      await gw.stop();

      const sent = JSON.parse(readFileSync(doneFile, "utf8")) as {
        lines: number;
        real: number;
        counts: Record<string, number>;
      };
      const drops = dropsFromLogs(logs);
      const rows = outgoingRows(gw.dbPath);
      const texts = rows.map((row) => row.text);
      printProofTable(`fuzz (${sizes.mode}, seed ${seed})`, [
        ["fuzz lines written", sent.lines],
        ...Object.entries(sent.counts)
          .sort()
          .map(([category, n]) => [`  sent: ${category}`, n] as const),
        ["real lines passed through", sent.real],
        ["real messages", real.length],
        ["  injected while fuzzing", duringFuzz],
        ["outgoing rows", rows.length],
        ...Object.entries(drops)
          .sort()
          .map(([reason, n]) => [`drops: ${reason}`, n] as const),
        ...Object.entries(scraped).map(([reason, n]) => [`/metrics lines dropped: ${reason}`, n] as const),
        ["gateway still running", String(stillRunning)],
        ["peak RSS gateway (MiB)", memory.peakMb()],
      ]);

      expect(stillRunning).toBe(true);
      expect(duringFuzz).toBeGreaterThan(0);
      // Exactly one answer per real message, nothing else (no fuzz line became a send), all in Alice's chat.
      expect(texts.sort()).toEqual([...real].sort());
      expect(new Set(rows.map((row) => row.chatId))).toEqual(new Set([chatId]));
      // The 64 MiB line was skipped without being buffered whole.
      expect(memory.peakMb()).toBeLessThan(MEMORY_BOUND_MB);
      expect(drops.oversized).toBe(1);
      expect(drops["invalid-utf8"]).toBeGreaterThan(0);
      expect(drops["invalid-json"]).toBeGreaterThan(0);
      expect(drops["not-a-message"]).toBeGreaterThan(0);
      expect(drops["invalid-notification"]).toBeGreaterThan(0);
      // The same drops are counted where an operator sees them: GET /metrics.
      expect(scraped.oversized).toBe(1);
      expect(scraped["invalid-utf8"]).toBeGreaterThan(0);
      expect(scraped["invalid-json"]).toBeGreaterThan(0);
      expect(scraped["invalid-message"]).toBeGreaterThan(0);
    },
    sizes.timeoutMs,
  );
});
