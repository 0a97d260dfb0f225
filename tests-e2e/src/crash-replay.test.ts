import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPAT_MODES, type GatewayProcess, outgoingCount, startGateway, waitFor } from "./harness/index.ts";

const SENDERS = ["+15550000001", "+15550000002", "+15550000003", "+15550000004"];
const PER_CHAT = 20;
const GROUP = { chatIdentifier: "chat900", group: true, participants: SENDERS.slice(1) };

describe.each(COMPAT_MODES)("kill -9 mid-stream, then restart (imsg %s)", (compat) => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGateway({
      compat,
      config: {
        channels: {
          imessage: {
            dmPolicy: "allowlist",
            allowFrom: SENDERS,
            groupPolicy: "open",
            groups: { "*": { requireMention: false } },
          },
        },
      },
      // Sends take a little while, so the kill lands with replies still owed.
      env: { IMSG_SIM_SEND_DELAY_MS: "15" },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("answers every one of 100 messages exactly once and in order per chat", async () => {
    const expected = new Map<number, string[]>();
    const record = (chatId: number, text: string) =>
      expected.set(chatId, [...(expected.get(chatId) ?? []), text]);
    for (let i = 0; i < PER_CHAT; i++) {
      SENDERS.forEach((from, s) => {
        const text = `dm${s}-m${i}`;
        record(gateway.inject({ from, text }).chatId, text);
      });
      const text = `group-m${i}`;
      record(gateway.inject({ from: SENDERS[i % SENDERS.length] as string, text, ...GROUP }).chatId, text);
    }
    const total = PER_CHAT * (SENDERS.length + 1);
    expect([...expected.values()].flat()).toHaveLength(total);

    await waitFor(() => outgoingCount(gateway.dbPath) >= 15, { what: "some replies before the kill" });
    const exit = await gateway.kill("SIGKILL");
    expect(exit.signal).toBe("SIGKILL");
    expect(outgoingCount(gateway.dbPath)).toBeLessThan(total);

    await gateway.restart();
    await waitFor(() => outgoingCount(gateway.dbPath) >= total, {
      what: "all replies after the restart",
      timeoutMs: 40_000,
    });
    // A last message per chat: once it is answered, any late duplicate of an earlier reply would show.
    SENDERS.forEach((from, s) => {
      const chatId = gateway.inject({ from, text: `dm${s}-last` }).chatId;
      record(chatId, `dm${s}-last`);
    });
    const last = gateway.inject({ from: SENDERS[0] as string, text: "group-last", ...GROUP });
    record(last.chatId, "group-last");
    for (const [chatId, texts] of expected) {
      await waitFor(() => gateway.outgoing(chatId).at(-1) === texts.at(-1), {
        what: `the last reply in ${chatId}`,
      });
    }
    for (const [chatId, texts] of expected) expect(gateway.outgoing(chatId)).toEqual(texts);
    expect(outgoingCount(gateway.dbPath)).toBe(total + SENDERS.length + 1);
  });
});
