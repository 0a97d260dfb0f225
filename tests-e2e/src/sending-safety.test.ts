/**
 * Issue 15, process level: the kill switch and the outbound limits, against a real gateway process and
 * imsg-sim. Reports behind them: old messages replayed as new made a gateway spam a contact "before they
 * could stop it" (openclaw/openclaw#2551); one send to a wrong, never-seen target got an Apple ID
 * flagged (openclaw/openclaw#21878); about 200 messages an hour to mostly new recipients blocked sending
 * for a day (ZekeSnider/Jared#65).
 */
import { PAIRING_APPROVED_MESSAGE } from "@imgate/channel-core";
import { afterAll, describe, expect, it } from "vitest";
import {
  disposeWorkspaces,
  type GatewayProcess,
  outboxRows,
  outgoingRows,
  startGateway,
  waitFor,
} from "./harness/index.ts";

const FRIEND = "+15550151001";
const STRANGERS = ["+15550152001", "+15550152002", "+15550152003"];
const STRANGER = "+15550153001";

// Gateway restarts, config reloads and CLI runs: a loaded two-core machine needs more than the default 30 s.
afterAll(disposeWorkspaces);

interface StatusAccount {
  accountId: string;
  paused?: { scope: string; reason?: string };
  held?: { count: number; byReason: Record<string, number>; oldest: { target: string; reason: string }[] };
}

/** `imgate status --json` of a running gateway: its one account. */
async function statusOf(gateway: GatewayProcess): Promise<StatusAccount> {
  const run = await gateway.cli(["status", "--json"]);
  const body = JSON.parse(run.stdout) as { readiness: { accounts: StatusAccount[] } };
  return body.readiness.accounts[0] as StatusAccount;
}

/** Texts the bot sent, in ROWID order, across every chat. */
const sentTexts = (gateway: GatewayProcess) => outgoingRows(gateway.dbPath).map((row) => row.text);

/** A gateway that answers FRIEND (allow-listed DMs) under the given outbound limits. */
function startForFriend(limits: Record<string, number>): Promise<GatewayProcess> {
  return startGateway({
    config: { channels: { imessage: { dmPolicy: "allowlist", allowFrom: [FRIEND], limits } } },
  });
}

/** Waits until every outbox entry is sent: nothing held or in flight is left. */
function outboxSettled(gateway: GatewayProcess): Promise<unknown> {
  return waitFor(() => outboxRows(gateway.workspace.stateDir).every((row) => row.state === "sent"), {
    what: "the outbox to settle",
  });
}

async function cliJson(gateway: GatewayProcess, args: string[]) {
  const run = await gateway.cli([...args, "--json"]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe("kill switch: imgate pause / resume", () => {
  it("through the running gateway: replies, pairing codes and imgate send are held (not dropped), the pause survives a restart, resume sends each once in order", {
    timeout: 90_000,
  }, async () => {
    const gateway = await startGateway({
      config: {
        channels: {
          imessage: { dmPolicy: "pairing", allowFrom: [FRIEND], limits: { minSendIntervalMs: 0 } },
        },
      },
    });
    try {
      expect(await cliJson(gateway, ["pause", "--reason", "spam report"])).toMatchObject({
        action: "paused",
        via: "gateway",
        accounts: [{ accountId: "default", paused: true }],
      });
      const dm = gateway.inject({ from: FRIEND, text: "one" });
      await waitFor(async () => (await statusOf(gateway)).held?.byReason.paused === 1, {
        what: "the reply held by the pause",
      });
      // imgate send answers at once that it is held, and exits 0 (a retry would send it twice later).
      expect(await cliJson(gateway, ["send", FRIEND, "two"])).toMatchObject({
        status: "held",
        error: { code: "held_paused" },
      });
      // A stranger's pairing code and the approval notice wait too.
      const stranger = gateway.inject({ from: STRANGER, text: "who are you?" });
      await waitFor(async () => (await statusOf(gateway)).held?.count === 3, {
        what: "the pairing reply held",
      });
      const pending = (await cliJson(gateway, ["pairing", "list"])) as { requests: { code: string }[] };
      const code = pending.requests[0]?.code as string;
      expect(await cliJson(gateway, ["pairing", "approve", "imessage", code, "--notify"])).toMatchObject({
        approved: true,
        notified: null,
        noticeHeld: true,
      });
      const status = await statusOf(gateway);
      expect(status.paused).toMatchObject({ scope: "all", reason: "spam report" });
      expect(status.held).toMatchObject({ count: 4, byReason: { paused: 4 } });
      expect(await gateway.metric("imgate_account_paused", { account: "default" })).toBe(1);
      expect(
        await gateway.metric("imgate_outbound_holds_total", { account: "default", reason: "paused" }),
      ).toBe(1);
      const ready = (await (await fetch(`${gateway.controlUrl}/readyz`)).json()) as {
        accounts: StatusAccount[];
      };
      expect(ready.accounts[0]?.paused?.reason).toBe("spam report");
      expect(sentTexts(gateway)).toEqual([]);

      await gateway.restart();
      expect((await statusOf(gateway)).held).toMatchObject({ count: 4, byReason: { paused: 4 } });
      expect(sentTexts(gateway)).toEqual([]);

      expect(await cliJson(gateway, ["resume"])).toMatchObject({
        action: "resumed",
        accounts: [{ accountId: "default", paused: false }],
      });
      await waitFor(() => outboxRows(gateway.workspace.stateDir).every((row) => row.state === "sent"), {
        what: "every held message to go out",
      });
      expect(outgoingRows(gateway.dbPath, dm.chatId).map((row) => row.text)).toEqual(["one", "two"]);
      const toStranger = outgoingRows(gateway.dbPath, stranger.chatId).map((row) => row.text);
      expect(toStranger).toHaveLength(2);
      expect(toStranger[0]).toContain(code);
      expect(toStranger[1]).toBe(PAIRING_APPROVED_MESSAGE);
      expect(sentTexts(gateway)).toHaveLength(4);
      expect(await gateway.metric("imgate_account_paused", { account: "default" })).toBe(0);
      expect((await statusOf(gateway)).held).toBeUndefined();
    } finally {
      await gateway.dispose();
    }
  });

  it("without a gateway: the switch is written to the state database, imgate send is held in the outbox, the gateway starts paused", {
    timeout: 90_000,
  }, async () => {
    const gateway = await startForFriend({ minSendIntervalMs: 0 });
    try {
      await gateway.stop();
      expect(await cliJson(gateway, ["pause", "--account", "default"])).toMatchObject({
        action: "paused",
        via: "state",
        accounts: [{ accountId: "default", paused: true }],
      });
      const held = await cliJson(gateway, ["send", FRIEND, "while down"]);
      expect(held).toMatchObject({ via: "outbox", status: "held", error: { code: "held_paused" } });
      const offline = await gateway.cli(["status", "--json"]);
      expect(JSON.parse(offline.stdout)).toMatchObject({
        running: false,
        paused: [{ accountId: "default" }],
      });
      expect(sentTexts(gateway)).toEqual([]);

      await gateway.restart();
      const dm = gateway.inject({ from: FRIEND, text: "after start" });
      await waitFor(async () => (await statusOf(gateway)).held?.count === 2, { what: "both messages held" });
      expect((await statusOf(gateway)).paused?.scope).toBe("account");
      expect(sentTexts(gateway)).toEqual([]);

      expect(await cliJson(gateway, ["resume", "--account", "default"])).toMatchObject({ via: "gateway" });
      await waitFor(() => sentTexts(gateway).length === 2, { what: "both held messages sent" });
      await outboxSettled(gateway);
      expect(sentTexts(gateway)).toEqual(["while down", "after start"]);
      expect(outgoingRows(gateway.dbPath, dm.chatId).map((row) => row.text)).toContain("after start");
    } finally {
      await gateway.dispose();
    }
  });
});

describe("outbound limits (channels.imessage.limits)", () => {
  it("without a gateway the CLI keeps the same budget: a new contact over it is held in the outbox and goes out once when a gateway runs", {
    timeout: 90_000,
  }, async () => {
    const limits = { newContactsPerHour: 1, newContactsPerDay: 0, minSendIntervalMs: 0, maxPerDay: 0 };
    const gateway = await startForFriend(limits);
    try {
      await gateway.stop();
      const [first, second] = STRANGERS as [string, string];
      gateway.inject({ from: FRIEND, text: "I wrote first" });
      expect(await cliJson(gateway, ["send", first, "cli to stranger 1"])).toMatchObject({
        via: "imsg",
        status: "sent",
      });
      expect(await cliJson(gateway, ["send", second, "cli to stranger 2"])).toMatchObject({
        via: "outbox",
        status: "held",
        error: { code: "held_new_contacts_per_hour" },
      });
      expect(await cliJson(gateway, ["send", FRIEND, "cli to the friend"])).toMatchObject({ status: "sent" });
      expect(sentTexts(gateway)).toEqual(["cli to stranger 1", "cli to the friend"]);

      // The gateway keeps the budget the CLI spent (the send log is shared) until the limit is raised.
      await gateway.restart();
      await waitFor(async () => (await statusOf(gateway)).held?.byReason["new-contacts-per-hour"] === 1, {
        what: "the CLI's held send, held by the gateway too",
      });
      gateway.updateConfig({ channels: { imessage: { limits: { newContactsPerHour: 0 } } } });
      // Also the friend's message that arrived while the gateway was down is answered (a reply: never held).
      await waitFor(() => sentTexts(gateway).length === 4, { what: "the held send and the replayed reply" });
      await outboxSettled(gateway);
      expect(sentTexts(gateway).toSorted()).toEqual(
        ["I wrote first", "cli to stranger 1", "cli to stranger 2", "cli to the friend"].toSorted(),
      );
    } finally {
      await gateway.dispose();
    }
  });

  it("new contacts over the hourly budget are held; replies and people who wrote to us are not; a raised limit releases them in order, once", {
    timeout: 90_000,
  }, async () => {
    const gateway = await startForFriend({
      newContactsPerHour: 1,
      newContactsPerDay: 0,
      minSendIntervalMs: 0,
      maxPerDay: 0,
    });
    try {
      const dm = gateway.inject({ from: FRIEND, text: "hello bot" });
      await waitFor(() => sentTexts(gateway).includes("hello bot"), { what: "the reply to the friend" });
      const [first, second, third] = STRANGERS as [string, string, string];
      expect(await cliJson(gateway, ["send", first, "to stranger 1"])).toMatchObject({ status: "sent" });
      expect(await cliJson(gateway, ["send", second, "to stranger 2"])).toMatchObject({
        status: "held",
        error: { code: "held_new_contacts_per_hour" },
      });
      expect(await cliJson(gateway, ["send", third, "to stranger 3"])).toMatchObject({ status: "held" });
      // The friend wrote to us (imsg's history says so): not a new contact, not held.
      expect(await cliJson(gateway, ["send", FRIEND, "to the friend"])).toMatchObject({ status: "sent" });
      gateway.inject({ from: FRIEND, text: "and again" });
      await waitFor(() => sentTexts(gateway).includes("and again"), { what: "the second reply" });

      const status = await statusOf(gateway);
      expect(status.held).toMatchObject({ count: 2, byReason: { "new-contacts-per-hour": 2 } });
      expect(status.held?.oldest.map((entry) => entry.target)).toEqual([second, third]);
      expect(
        await gateway.metric("imgate_outbound_holds_total", {
          account: "default",
          reason: "new-contacts-per-hour",
        }),
      ).toBe(2);
      expect(sentTexts(gateway)).toEqual(["hello bot", "to stranger 1", "to the friend", "and again"]);

      gateway.updateConfig({ channels: { imessage: { limits: { newContactsPerHour: 0 } } } });
      await gateway.waitForLog((line) => line.msg === "config reloaded", { what: "the reload" });
      await waitFor(() => sentTexts(gateway).length === 6, { what: "the released messages" });
      await outboxSettled(gateway);
      expect(sentTexts(gateway).slice(4)).toEqual(["to stranger 2", "to stranger 3"]);
      expect(outgoingRows(gateway.dbPath, dm.chatId).map((row) => row.text)).toEqual([
        "hello bot",
        "to the friend",
        "and again",
      ]);
    } finally {
      await gateway.dispose();
    }
  });

  it("maxPerDay holds replies too and minSendIntervalMs paces; each is released when the limit allows, once", {
    timeout: 90_000,
  }, async () => {
    const gateway = await startForFriend({ maxPerDay: 2, minSendIntervalMs: 0 });
    try {
      for (const text of ["m1", "m2", "m3"]) gateway.inject({ from: FRIEND, text });
      await waitFor(async () => (await statusOf(gateway)).held?.byReason["max-per-day"] === 1, {
        what: "the third reply held by maxPerDay",
      });
      expect(sentTexts(gateway)).toEqual(["m1", "m2"]);
      expect(
        await gateway.metric("imgate_outbound_held", { account: "default", reason: "max-per-day" }),
      ).toBe(1);

      // Lifting the daily cap while pacing for an hour: the same reply now waits for pacing, still unsent.
      gateway.updateConfig({
        channels: { imessage: { limits: { maxPerDay: 0, minSendIntervalMs: 3_600_000 } } },
      });
      await gateway.waitForLog((line) => line.msg === "config reloaded", { what: "the reload" });
      await waitFor(async () => (await statusOf(gateway)).held?.byReason["min-send-interval"] === 1, {
        what: "the third reply held by pacing",
      });
      expect(sentTexts(gateway)).toEqual(["m1", "m2"]);

      gateway.updateConfig({ channels: { imessage: { limits: { minSendIntervalMs: 0 } } } });
      await waitFor(() => sentTexts(gateway).length === 3, { what: "the third reply" });
      await outboxSettled(gateway);
      expect(sentTexts(gateway)).toEqual(["m1", "m2", "m3"]);
      expect((await statusOf(gateway)).held).toBeUndefined();
    } finally {
      await gateway.dispose();
    }
  });
});
