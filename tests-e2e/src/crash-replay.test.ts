import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPAT_MODES, type GatewayProcess, outgoingCount, startGateway, waitFor } from "./harness/index.ts";

const SENDERS = ["+15550000001", "+15550000002", "+15550000003", "+15550000004"];
const PER_CHAT = 20;
/** Rounds (one message per chat each) injected before the kill; the other rounds arrive while the gateway is down. */
const ROUNDS_BEFORE_KILL = 8;
/** Replies that must have been sent before the kill. */
const KILL_AT = 15;
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
      // Slow sends make it likely that some of the first rounds are still being answered at the kill; the test
      // does not rely on it (the rest of the stream is owed by construction).
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
    /** Injects round `i`: one message in each DM and one in the group. */
    const injectRound = (i: number) => {
      SENDERS.forEach((from, s) => {
        const text = `dm${s}-m${i}`;
        record(gateway.inject({ from, text }).chatId, text);
      });
      const text = `group-m${i}`;
      record(gateway.inject({ from: SENDERS[i % SENDERS.length] as string, text, ...GROUP }).chatId, text);
    };
    const total = PER_CHAT * (SENDERS.length + 1);

    // Injection waits at the kill point (as the chaos proof does): the first rounds go in, the kill lands once
    // KILL_AT of them are answered, and the rest of the stream arrives while the gateway is down. So the kill is
    // mid-stream by construction, however fast the gateway answers.
    for (let i = 0; i < ROUNDS_BEFORE_KILL; i++) injectRound(i);
    await waitFor(() => outgoingCount(gateway.dbPath) >= KILL_AT, { what: "some replies before the kill" });
    const exit = await gateway.kill("SIGKILL");
    expect(exit.signal).toBe("SIGKILL");
    const answeredAtKill = outgoingCount(gateway.dbPath);
    for (let i = ROUNDS_BEFORE_KILL; i < PER_CHAT; i++) injectRound(i);
    expect([...expected.values()].flat()).toHaveLength(total);
    expect(answeredAtKill).toBeGreaterThanOrEqual(KILL_AT);
    // Never more replies than messages that had arrived: nothing was answered twice before the kill.
    expect(answeredAtKill).toBeLessThanOrEqual(ROUNDS_BEFORE_KILL * (SENDERS.length + 1));
    expect(outgoingCount(gateway.dbPath)).toBe(answeredAtKill);

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
