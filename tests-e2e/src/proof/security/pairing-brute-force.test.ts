import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, startGateway, waitFor } from "../../harness/index.ts";
import { scrapeMetrics, sumMetric } from "../prometheus-text.ts";
import { proofSizes } from "../proof-size.ts";
import { printProofTable } from "../proof-table.ts";
import { proofSeed, seededRandom } from "../seeded-random.ts";

const sizes = proofSizes();
const STRANGER = "+15550005001";
const CODE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

describe(`security: ${sizes.security.wrongCodes} wrong pairing codes`, () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ config: { channels: { imessage: { dmPolicy: "pairing" } } } });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it(
    "through the control API and the CLI approve nobody and are rate limited",
    async () => {
      const first = gateway.inject({ from: STRANGER, text: "let me in" });
      const [pairingText] = await waitFor(
        () => {
          const texts = gateway.outgoing(first.chatId);
          return texts.length > 0 ? texts : undefined;
        },
        { what: "the pairing reply" },
      );
      const realCode = /pairing code is ([A-Z0-9]+)/.exec(pairingText ?? "")?.[1];
      expect(realCode).toBeDefined();
      const rng = seededRandom(proofSeed());
      const wrongCode = () => {
        for (;;) {
          const code = Array.from({ length: (realCode as string).length }, () =>
            rng.pick([...CODE_CHARS]),
          ).join("");
          if (code !== realCode) return code;
        }
      };

      const api: Record<number, number> = {};
      const apiCount = sizes.security.wrongCodes - sizes.security.cliCodes;
      for (let i = 0; i < apiCount; i += 50) {
        const batch = Array.from({ length: Math.min(50, apiCount - i) }, () =>
          fetch(`${gateway.controlUrl}/v1/pairing/approve`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ code: wrongCode(), channel: "imessage" }),
          }).then((r) => r.status),
        );
        for (const status of await Promise.all(batch)) api[status] = (api[status] ?? 0) + 1;
      }
      const cli = { refused: 0, approved: 0 };
      for (let i = 0; i < sizes.security.cliCodes; i += 2) {
        const runs = [wrongCode(), wrongCode()]
          .slice(0, sizes.security.cliCodes - i)
          .map((code) => gateway.cli(["pairing", "approve", "imessage", code]));
        for (const run of await Promise.all(runs)) {
          if (run.code === 0) cli.approved++;
          else cli.refused++;
        }
      }
      // While limited, even the right code approves nobody.
      const withRealCode = await fetch(`${gateway.controlUrl}/v1/pairing/approve`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: realCode, channel: "imessage" }),
      });
      const list = await gateway.cli(["pairing", "list", "imessage", "--json"]);
      // A second message from the stranger is still held for pairing, not answered.
      gateway.inject({ from: STRANGER, text: "still me" });
      const heldForPairing = async () =>
        sumMetric(await scrapeMetrics(gateway.controlUrl), "imgate_messages_dropped_total", {
          reason: "pairing",
        });
      await waitFor(async () => (await heldForPairing()) === 2, {
        what: "the second stranger message to be held for pairing",
      }).catch(async (error: Error) => {
        const drops = (await scrapeMetrics(gateway.controlUrl)).filter((s) =>
          s.name.startsWith("imgate_messages_"),
        );
        throw new Error(
          `${error.message}\nmessage metrics: ${JSON.stringify(drops)}\ngateway stdout (tail):\n${gateway.stdout.slice(-8000)}\nstderr (tail):\n${gateway.stderr.slice(-2000)}`,
        );
      });
      printProofTable(`pairing brute force (${sizes.mode})`, [
        ["wrong codes via control API", apiCount],
        ...Object.entries(api).map(([status, n]) => [`  HTTP ${status}`, n] as const),
        ["wrong codes via CLI processes", sizes.security.cliCodes],
        ["  refused", cli.refused],
        ["  approved", cli.approved],
        ["right code while limited: HTTP", withRealCode.status],
      ]);

      expect(api[200] ?? 0).toBe(0);
      expect(api[429] ?? 0).toBeGreaterThan(apiCount - 10);
      expect((api[404] ?? 0) + (api[429] ?? 0)).toBe(apiCount);
      expect(cli).toEqual({ refused: sizes.security.cliCodes, approved: 0 });
      expect(withRealCode.status).toBe(429);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain(realCode as string);
      expect(gateway.outgoing(first.chatId).filter((t) => t === "still me" || t === "let me in")).toEqual([]);
    },
    sizes.timeoutMs,
  );
});
