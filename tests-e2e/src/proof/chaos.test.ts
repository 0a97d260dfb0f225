import { describe, expect, it } from "vitest";
import { expectExactlyOnce } from "../harness/index.ts";
import { type ChaosReport, runChaos } from "./chaos-run.ts";
import { proofSizes } from "./proof-size.ts";
import { printProofTable } from "./proof-table.ts";
import { proofSeed } from "./seeded-random.ts";

const sizes = proofSizes();

function print(report: ChaosReport): void {
  printProofTable(`chaos (${sizes.mode}, imsg ${report.compat}, seed ${report.seed})`, [
    ["messages injected", report.injected],
    ["  allowed", report.allowed],
    ["  uninvited", report.uninvited],
    ["outgoing rows", report.outgoingRows],
    ["answered exactly once", report.answeredOnce],
    ["missing", report.missing.length],
    ["duplicates", report.duplicates.length],
    ["misplaced (wrong chat)", report.misplaced.length],
    ["uninvited answered", report.uninvitedAnswered.length],
    ["chats out of order", report.outOfOrderChats.length],
    ["imsg SIGKILLs", report.imsgKills],
    ["gateway SIGKILLs", report.gatewayKills],
    ["transport restarts (metric)", report.transportRestarts],
    ...Object.entries(report.dropsByReason)
      .sort()
      .map(([reason, n]) => [`drops: ${reason}`, n] as const),
    ["peak RSS gateway (MiB)", report.peakRssMb],
    ["seconds", report.seconds],
  ]);
}

describe(`chaos proof (${sizes.mode})`, () => {
  it(
    "imsg 0.15 (tracked sends): every allowed message is answered exactly once, in its chat and in order",
    async () => {
      const report = await runChaos({
        compat: "0.15",
        messages: sizes.chaos.messages,
        chats: sizes.chaos.chats,
        imsgKillEvery: sizes.chaos.imsgKillEvery,
        gatewayKills: sizes.chaos.gatewayKills,
        seed: proofSeed(),
        timeoutMs: sizes.timeoutMs - 10_000,
      });
      print(report);
      expectExactlyOnce(report);
      expect(report.imsgKills).toBeGreaterThan(0);
      expect(report.gatewayKills).toBe(sizes.chaos.gatewayKills);
      // Strangers were dropped by policy, and the drop was counted.
      expect(Object.values(report.dropsByReason).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    },
    sizes.timeoutMs,
  );

  it(
    "imsg 0.9 (no tracked sends): after reconciliation no reply is duplicated or lost",
    async () => {
      const report = await runChaos({
        compat: "0.9",
        messages: sizes.chaos.messages09,
        chats: sizes.chaos.chats,
        imsgKillEvery: sizes.chaos.imsgKillEvery09,
        gatewayKills: sizes.chaos.gatewayKills,
        seed: proofSeed(),
        timeoutMs: sizes.timeoutMs - 10_000,
      });
      print(report);
      expectExactlyOnce(report);
      expect(report.imsgKills).toBeGreaterThan(0);
      expect(report.gatewayKills).toBe(sizes.chaos.gatewayKills);
    },
    sizes.timeoutMs,
  );
});
