import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPAT_MODES, type GatewayProcess, startGateway, waitFor } from "./harness/index.ts";

const ALICE = "+15550001111";
const LIMIT = 40;

describe.each(COMPAT_MODES)("reply shaping (imsg %s)", (compat) => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGateway({
      compat,
      config: {
        channels: { imessage: { dmPolicy: "allowlist", allowFrom: [ALICE], textChunkLimit: LIMIT } },
        messages: { responsePrefix: "[Bot]" },
      },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("sends a long reply as ordered chunks within textChunkLimit, prefixed once", async () => {
    const words = Array.from({ length: 60 }, (_, i) => `w${String(i).padStart(2, "0")}`);
    const text = words.join(" ");
    const message = gateway.inject({ from: ALICE, text });
    const expected = Math.ceil(`[Bot] ${text}`.length / LIMIT);
    await waitFor(() => gateway.outgoing(message.chatId).length >= expected, { what: `${expected}+ chunks` });
    gateway.inject({ from: ALICE, text: "short one" });
    await waitFor(() => gateway.outgoing(message.chatId).at(-1) === "[Bot] short one", {
      what: "the next reply",
    });

    const sent = gateway.outgoing(message.chatId);
    const chunks = sent.slice(0, -1);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(LIMIT);
    expect(chunks[0]?.startsWith("[Bot] w00")).toBe(true);
    expect(chunks.slice(1).some((chunk) => chunk.includes("[Bot]"))).toBe(false);
    expect(chunks.join(" ").split(/\s+/)).toEqual(["[Bot]", ...words]);
  });
});
