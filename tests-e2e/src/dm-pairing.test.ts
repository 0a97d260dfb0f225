import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPAT_MODES, type GatewayProcess, outgoingCount, startGateway, waitFor } from "./harness/index.ts";

const STRANGER = "+15559990001";
const OTHERS = ["+15559990002", "+15559990003", "+15559990004"];
const OVER_CAP = "+15559990005";
const CODE = /pairing code is ([A-Z0-9]+)/;

/** Pending pairing codes as `imgate pairing list --json` reports them. */
async function pendingCodes(gateway: GatewayProcess): Promise<Array<{ code: string; sender: string }>> {
  const run = await gateway.cli(["pairing", "list", "imessage", "--json"]);
  expect(run.code, run.stderr).toBe(0);
  const parsed = JSON.parse(run.stdout) as
    | Array<{ code: string; sender: string }>
    | { requests: Array<{ code: string; sender: string }> };
  return Array.isArray(parsed) ? parsed : parsed.requests;
}

/** Pending pairing requests as the running gateway's control API lists them (cheaper than a CLI run). */
async function pendingViaApi(gateway: GatewayProcess): Promise<Array<{ code: string; sender: string }>> {
  const response = await fetch(`${gateway.controlUrl}/v1/pairing`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { requests: Array<{ code: string; sender: string }> }).requests;
}

describe.each(COMPAT_MODES)("DM pairing (imsg %s)", (compat) => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGateway({ compat, config: { channels: { imessage: { dmPolicy: "pairing" } } } });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("sends a stranger a code once, and approval via the CLI notifies and then answers them", async () => {
    const first = gateway.inject({ from: STRANGER, text: "hello there" });
    const reply = await waitFor(() => gateway.outgoing(first.chatId)[0], { what: "the pairing reply" });
    const code = CODE.exec(reply)?.[1];
    expect(code).toMatch(/^[A-Z0-9]{4,}$/);
    expect(reply).not.toContain("hello there");

    gateway.inject({ from: STRANGER, text: "hello again" });
    await gateway.waitForLog(
      (line) => line.msg === "pairing: no reply sent" && line.reason === "already_pending",
      {
        what: "the second message to be recognised as already pending",
      },
    );
    expect(gateway.outgoing(first.chatId)).toEqual([reply]);
    expect((await pendingCodes(gateway)).map((request) => request.code)).toEqual([code]);

    const approve = await gateway.cli(["pairing", "approve", "imessage", code as string, "--notify"]);
    expect(approve.code, approve.stderr).toBe(0);
    expect(approve.stdout).toContain(STRANGER);
    await waitFor(() => gateway.outgoing(first.chatId).length === 2, { what: "the approval notice" });
    expect(gateway.outgoing(first.chatId)[1]).toMatch(/approved/i);

    gateway.inject({ from: STRANGER, text: "now paired" });
    await waitFor(() => gateway.outgoing(first.chatId).length === 3, { what: "the first real answer" });
    expect(gateway.outgoing(first.chatId)).toEqual([reply, expect.stringMatching(/approved/i), "now paired"]);
    expect(await pendingViaApi(gateway)).toEqual([]);
  });

  it("caps pending requests: strangers past the cap get nothing and are not listed", async () => {
    const chats = OTHERS.map((from) => gateway.inject({ from, text: `hi from ${from}` }).chatId);
    for (const chatId of chats) {
      await waitFor(() => gateway.outgoing(chatId).length === 1, { what: `the code for chat ${chatId}` });
    }
    const sentBefore = outgoingCount(gateway.dbPath);
    const over = gateway.inject({ from: OVER_CAP, text: "me too" });
    await gateway.waitForLog((line) => line.reason === "pending_cap", { what: "the pending cap to apply" });
    expect(gateway.outgoing(over.chatId)).toEqual([]);
    expect(outgoingCount(gateway.dbPath)).toBe(sentBefore);
    const pending = await pendingViaApi(gateway);
    expect(pending.map((request) => request.sender).sort()).toEqual([...OTHERS].sort());
  });
});

describe.each(COMPAT_MODES)("DM allowlist (imsg %s)", (compat) => {
  const ALLOWED = "+15550001111";
  const OTHER = "+15550002222";
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGateway({
      compat,
      config: { channels: { imessage: { dmPolicy: "allowlist", allowFrom: [ALLOWED] } } },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("answers the allowed sender and drops everyone else silently", async () => {
    const dropped = gateway.inject({ from: OTHER, text: "let me in" });
    const allowed = gateway.inject({ from: ALLOWED, text: "hi bot" });
    await waitFor(() => gateway.outgoing(allowed.chatId).length === 1, {
      what: "the allowed sender's answer",
    });
    await waitFor(
      async () =>
        (await gateway.metric("imgate_messages_dropped_total", {
          account: "default",
          reason: "dm-not-allowed",
        })) === 1,
      { what: "the stranger's message to be counted as dropped" },
    );
    expect(gateway.outgoing(allowed.chatId)).toEqual(["hi bot"]);
    expect(gateway.outgoing(dropped.chatId)).toEqual([]);
    expect(outgoingCount(gateway.dbPath)).toBe(1);
    expect(
      await gateway.cli(["pairing", "list", "imessage", "--json"]).then((run) => run.stdout),
    ).not.toContain(OTHER);
  });
});

describe.each(COMPAT_MODES)("DM pairing expiry (imsg %s)", (compat) => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGateway({
      compat,
      config: { channels: { imessage: { dmPolicy: "pairing" } }, gateway: { pairingExpiryMs: 1_500 } },
      comments: { "gateway.pairingExpiryMs": "short on purpose: the test waits for the code to lapse" },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("forgets an expired code: approving it fails and the stranger gets a fresh one", async () => {
    const first = gateway.inject({ from: STRANGER, text: "knock knock" });
    const firstReply = await waitFor(() => gateway.outgoing(first.chatId)[0], { what: "the first code" });
    const oldCode = CODE.exec(firstReply)?.[1] as string;
    await waitFor(async () => (await pendingViaApi(gateway)).length === 0, { what: "the code to expire" });

    const refused = await gateway.cli(["pairing", "approve", "imessage", oldCode]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(oldCode);

    gateway.inject({ from: STRANGER, text: "knock again" });
    await waitFor(() => gateway.outgoing(first.chatId).length === 2, { what: "a second pairing reply" });
    // A fresh request, not "already pending": the expired one was purged. (Not listed here: under load the
    // CLI could run after this short-lived code expired too.)
    expect(gateway.outgoing(first.chatId)[1]).toMatch(CODE);
  });
});
