/**
 * Issue 15, process level: a gateway that looks healthy but hears or sends nothing. Reports behind it:
 * messages in chat.db while the gateway logs nothing and `imsg rpc` keeps running (openclaw/openclaw#54264,
 * #6775, #77503; openclaw/imsg#46), and bots answering each other forever in one chat (the reply storm) —
 * slowed down here, never dropped (openclaw/openclaw#126468 lost messages to a loop limiter).
 */
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { createWorkspace, disposeWorkspaces, outgoingRows, startGateway, waitFor } from "./harness/index.ts";

const FRIEND = "+15550161001";
const OTHER = "+15550161002";

// Gateway restarts, config reloads and CLI runs: a loaded two-core machine needs more than the default 30 s.
afterAll(disposeWorkspaces);

describe("deaf stream", () => {
  it("imsg keeps running but the watch stops delivering: the watchdog resubscribes from the cursor and the message is answered once", {
    timeout: 90_000,
  }, async () => {
    const workspace = createWorkspace();
    const deafFile = workspace.path("deaf-stream");
    const armed = await startGateway({
      workspace,
      config: { channels: { imessage: { dmPolicy: "open", allowFrom: ["*"], deafStreamMs: 500 } } },
      env: { IMSG_SIM_DEAF_FILE: deafFile },
    });
    try {
      const first = armed.inject({ from: FRIEND, text: "before" });
      await waitFor(() => armed.outgoing(first.chatId).includes("before"), { what: "the live reply" });
      expect(
        await armed.metric("imgate_last_inbound_age_seconds", { account: "default" }),
      ).toBeGreaterThanOrEqual(0);
      expect(
        await armed.metric("imgate_last_send_age_seconds", { account: "default" }),
      ).toBeGreaterThanOrEqual(0);

      writeFileSync(deafFile, "");
      const missed = armed.inject({ from: FRIEND, text: "while deaf" });
      const warning = await armed.waitForLog((line) => line.msg.startsWith("imsg watch is deaf"), {
        what: "the deaf-stream warning",
      });
      // The first row the stream missed (our own reply row may be it, when the touch beat the watch's poll).
      expect(warning.level).toBe(40);
      expect(warning.undelivered as number).toBeLessThanOrEqual(missed.id);
      await waitFor(() => armed.outgoing(missed.chatId).includes("while deaf"), {
        what: "the missed message's reply",
      });
      expect(await armed.metric("imgate_deaf_streams_total", { account: "default" })).toBe(1);
      // Resubscribed, not restarted: the same imsg process answers.
      expect(await armed.metric("imgate_transport_restarts_total", { account: "default" })).toBe(0);
      const status = JSON.parse((await armed.cli(["status", "--json"])).stdout) as {
        readiness: { accounts: { deafStreamRecoveries?: number }[] };
      };
      expect(status.readiness.accounts[0]?.deafStreamRecoveries).toBe(1);

      // The new subscription hears; nothing was answered twice.
      const after = armed.inject({ from: FRIEND, text: "after" });
      await waitFor(() => armed.outgoing(after.chatId).includes("after"), {
        what: "a reply on the new subscription",
      });
      expect(outgoingRows(armed.dbPath).map((row) => row.text)).toEqual(["before", "while deaf", "after"]);
    } finally {
      await armed.dispose();
    }
  });
});

describe("mute: sends that keep failing", () => {
  it("marks the account degraded in /readyz and imgate status, with the fix", {
    timeout: 90_000,
  }, async () => {
    const gateway = await startGateway({
      config: {
        channels: { imessage: { dmPolicy: "open", allowFrom: ["*"], limits: { minSendIntervalMs: 0 } } },
        // The doomed replies never go out: do not spend the default 5 s trying at shutdown.
        gateway: { shutdownTimeoutMs: 500 },
      },
      env: { IMSG_SIM_FAIL_SEND_MATCH: "doomed" },
    });
    try {
      for (const from of ["+15550162001", "+15550162002", "+15550162003"])
        gateway.inject({ from, text: "doomed" });
      const readiness = await waitFor(
        async () => {
          const body = (await (await fetch(`${gateway.controlUrl}/readyz`)).json()) as {
            accounts: { degraded?: { reason: string; fix: string; detail: string } }[];
          };
          return body.accounts[0]?.degraded;
        },
        { what: "the account to be degraded" },
      );
      expect(readiness).toMatchObject({
        reason: "send-failures",
        fix: expect.stringContaining("imgate doctor"),
      });
      const text = await gateway.cli(["status"]);
      expect(text.stdout).toMatch(/degraded since .*sends in a row failed/);
      expect(text.stdout).toMatch(/fix: Check that Messages on the Mac is signed in/);
      const doctor = await gateway.cli(["doctor", "--json"]);
      expect(doctor.code).toBe(1);
      expect(
        (JSON.parse(doctor.stdout) as { checks: { id: string; status: string }[] }).checks,
      ).toContainEqual(expect.objectContaining({ id: "gateway.account.default.degraded", status: "fail" }));
    } finally {
      await gateway.dispose();
    }
  });
});

describe("reply storm", () => {
  it("a chat over messages.stormTurnsPerMinute is slowed down and logged once; other chats are answered at once", {
    timeout: 90_000,
  }, async () => {
    const gateway = await startGateway({
      config: {
        channels: { imessage: { dmPolicy: "open", allowFrom: ["*"], limits: { minSendIntervalMs: 0 } } },
        messages: { stormTurnsPerMinute: 2 },
        // One session per sender: with the default main session every DM shares one queue.
        session: { dmScope: "per-peer" },
      },
    });
    try {
      let chatId = 0;
      for (const text of ["s1", "s2", "s3", "s4"]) chatId = gateway.inject({ from: FRIEND, text }).chatId;
      await gateway.waitForLog((line) => line.msg.startsWith("reply storm:"), { what: "the storm warning" });
      await waitFor(() => gateway.outgoing(chatId).length === 2, { what: "the first two replies" });
      // Another chat is not slowed down by this one's storm.
      const other = gateway.inject({ from: OTHER, text: "calm" });
      await waitFor(() => gateway.outgoing(other.chatId).includes("calm"), {
        what: "the other chat's reply",
      });
      // The 3rd and 4th turns wait for the minute to pass (they are not dropped); the storm was logged once.
      expect(gateway.outgoing(chatId)).toEqual(["s1", "s2"]);
      expect(gateway.logs().filter((line) => line.msg.startsWith("reply storm:"))).toHaveLength(1);
      expect(await gateway.metric("imgate_reply_storms_total", { account: "default" })).toBe(1);
      expect(
        gateway
          .logs()
          .some((line) => line.msg === "agent turn interrupted by shutdown; it is resumed on the next start"),
      ).toBe(false);
      // Slowed, never dropped: a restart now (the waiting turns stop, their rows unfinished) answers each once.
      await gateway.restart();
      await waitFor(() => gateway.outgoing(chatId).length === 4, {
        what: "the slowed turns after a restart",
      });
      expect(gateway.outgoing(chatId)).toEqual(["s1", "s2", "s3", "s4"]);
    } finally {
      await gateway.dispose();
    }
  });
});
