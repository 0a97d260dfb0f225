/**
 * Issue 13 (part A): what a person sees in Messages while the agent works — read receipts, the typing bubble,
 * tapbacks as events — over imsg-sim's bridge mode (`IMSG_SIM_BRIDGE=1`), and nothing of it when imsg does not
 * list the bridge methods as usable. The gateway, imsg-sim and a webhook agent run as real processes/servers.
 * Reports turned into tests: openclaw/openclaw#81311 (bridge up but typing/read never used), #17906 (read only
 * when the agent takes the message, not on arrival), anthropics/claude-plugins-official#3994 (a 👍 on the
 * agent's question is an answer: deliver it as an event with its target), and the legacy `Loved “…”` text form
 * that bots answered as a new message.
 */
import { DatabaseSync } from "node:sqlite";
import { type BridgeCall, readBridgeCalls, tapbackText } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COMPAT_MODES,
  type Compat,
  type GatewayProcess,
  type LoopbackServer,
  outgoingRows,
  sendJson,
  startGateway,
  startLoopbackServer,
  waitFor,
} from "./harness/index.ts";

const ALICE = "+15550001111"; // echo agent
const BOB = "+15550002222"; // webhook agent
const STRANGER = "+15550009999";
const SECRET = { TEST_WEBHOOK_SECRET: "webhook-secret-for-tests" };
const BRIDGE = { IMSG_SIM_BRIDGE: "1", ...SECRET };

/** `is_read` of one chat.db row. */
function isRead(dbPath: string, rowid: number): boolean {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return (
      (db.prepare("SELECT is_read FROM message WHERE ROWID = ?").get(rowid) as { is_read: number })
        .is_read === 1
    );
  } finally {
    db.close();
  }
}

/** The guid of the bot's row in `chatId` with `text`. */
function sentGuid(dbPath: string, chatId: number, text: string): string {
  const row = outgoingRows(dbPath, chatId).find((r) => r.text === text);
  if (!row) throw new Error(`no sent row "${text}" in chat ${chatId}`);
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return (db.prepare("SELECT guid FROM message WHERE ROWID = ?").get(row.rowid) as { guid: string }).guid;
  } finally {
    db.close();
  }
}

const callsOf = (dbPath: string, chatId: number): BridgeCall[] =>
  readBridgeCalls(dbPath).filter((call) => call.chatId === chatId);
const typingStates = (dbPath: string, chatId: number) =>
  callsOf(dbPath, chatId)
    .filter((call) => call.method === "typing")
    .map((call) => call.typing);

const droppedAs = (gateway: GatewayProcess, reason: string) =>
  gateway.metric("imgate_messages_dropped_total", { account: "default", reason });

/** A webhook agent: answers `hook: <text>`; a text starting with "slow" waits for `release()`. */
interface HookAgent {
  server: LoopbackServer;
  turns: Array<Record<string, unknown>>;
  release(): void;
}

async function startHookAgent(): Promise<HookAgent> {
  let release: () => void = () => {};
  let held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const turns: Array<Record<string, unknown>> = [];
  const server = await startLoopbackServer(async (request, response) => {
    const turn = JSON.parse(request.body) as Record<string, unknown> & { text: string };
    turns.push(turn);
    if (turn.event) return sendJson(response, 200, { text: "glad you liked it" });
    if (turn.text.startsWith("fail")) return sendJson(response, 400, { error: "bad turn" });
    // "flaky …": the first call fails with 503 (retryable); the retry waits for `release()`, then answers.
    if (turn.text.startsWith("flaky") && turns.filter((t) => t.text === turn.text).length === 1) {
      return sendJson(response, 503, { error: "try again" });
    }
    if (turn.text.startsWith("slow") || turn.text.startsWith("flaky")) {
      await held;
      held = new Promise<void>((resolve) => {
        release = resolve;
      });
    }
    sendJson(response, 200, { text: `hook: ${turn.text}` });
  });
  return { server, turns, release: () => release() };
}

function gatewayConfig(hook: HookAgent, imessage: object = {}): object {
  return {
    channels: {
      imessage: {
        dmPolicy: "pairing",
        allowFrom: [ALICE, BOB],
        groupPolicy: "open",
        groups: { "*": { requireMention: true } },
        ...imessage,
      },
    },
    messages: { agentRetryMs: 60_000, agentFailureReply: "" },
    agents: {
      list: [
        { id: "main", default: true, groupChat: { mentionPatterns: ["@bot"] }, backend: { type: "echo" } },
        {
          id: "hook",
          backend: { type: "webhook", url: `${hook.server.url}/turn`, secretEnv: "TEST_WEBHOOK_SECRET" },
        },
      ],
    },
    bindings: [{ agentId: "hook", match: { channel: "imessage", peer: { kind: "dm", id: BOB } } }],
  };
}

describe("imsg bridge up (imsg-sim 0.15, IMSG_SIM_BRIDGE=1)", () => {
  let gateway: GatewayProcess;
  let hook: HookAgent;

  beforeAll(async () => {
    hook = await startHookAgent();
    gateway = await startGateway({ compat: "0.15", env: BRIDGE, config: gatewayConfig(hook) });
  });
  afterAll(async () => {
    await gateway?.dispose();
    await hook?.server.close();
  });

  it("says once at start that typing bubbles and read receipts are on", async () => {
    await gateway.waitForLog((line) => line.msg.startsWith("imessage: imsg's bridge is up"));
    const lines = gateway.logs().filter((line) => line.msg.includes("typing bubbles and read receipts"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, typingIndicator: "dm", sendReadReceipts: true });
  });

  it("marks an accepted DM read and shows the typing bubble from the turn's start until it ends", async () => {
    const message = gateway.inject({ from: ALICE, text: "hello there" });
    await waitFor(() => gateway.outgoing(message.chatId).length === 1, { what: "the echo" });
    await waitFor(() => typingStates(gateway.dbPath, message.chatId).at(-1) === false, {
      what: "the bubble cleared",
    });
    const calls = callsOf(gateway.dbPath, message.chatId);
    expect(calls.map((call) => call.method)).toEqual(["read", "typing", "typing"]);
    expect(calls.map((call) => call.typing)).toEqual([undefined, true, false]);
    expect(calls[0]?.marked).toBe(1);
    expect(isRead(gateway.dbPath, message.id)).toBe(true);
  });

  it("keeps the bubble up while a long turn runs and clears it once answered; a failed turn clears it too", async () => {
    const slow = gateway.inject({ from: BOB, text: "slow question" });
    await waitFor(() => hook.turns.some((turn) => turn.text === "slow question"), { what: "the held turn" });
    await waitFor(() => typingStates(gateway.dbPath, slow.chatId).at(-1) === true, { what: "the bubble" });
    expect(isRead(gateway.dbPath, slow.id)).toBe(true);
    expect(gateway.outgoing(slow.chatId)).toEqual([]);
    hook.release();
    await waitFor(() => gateway.outgoing(slow.chatId).length === 1, { what: "the slow answer" });
    await waitFor(() => typingStates(gateway.dbPath, slow.chatId).at(-1) === false, { what: "cleared" });

    const failing = gateway.inject({ from: BOB, text: "fail please" });
    await waitFor(() => hook.turns.some((turn) => turn.text === "fail please"), { what: "the failing turn" });
    await waitFor(
      () => typingStates(gateway.dbPath, failing.chatId).filter((s) => s === false).length === 2,
      {
        what: "the bubble cleared after the given-up turn",
      },
    );
    expect(gateway.outgoing(failing.chatId)).toEqual(["hook: slow question"]);
  });

  it("clears the bubble at the first retryable failure (nobody types while the agent is down); the retry still answers", async () => {
    const flaky = gateway.inject({ from: BOB, text: "flaky question" });
    await waitFor(() => hook.turns.filter((turn) => turn.text === "flaky question").length === 2, {
      what: "the retry (held)",
    });
    // While the retried call is still running, the bubble is already gone.
    await waitFor(() => typingStates(gateway.dbPath, flaky.chatId).at(-1) === false, {
      what: "bubble cleared",
    });
    const states = typingStates(gateway.dbPath, flaky.chatId);
    hook.release();
    await waitFor(() => gateway.outgoing(flaky.chatId).includes("hook: flaky question"), {
      what: "the answer",
    });
    expect(states.slice(-2)).toEqual([true, false]);
    expect(typingStates(gateway.dbPath, flaky.chatId)).toEqual(states);
  });

  it("never marks read nor types for messages it does not accept (a stranger awaiting pairing)", async () => {
    const stranger = gateway.inject({ from: STRANGER, text: "who is this?" });
    await waitFor(() => gateway.outgoing(stranger.chatId).length === 1, { what: "the pairing code" });
    // The next accepted message is fully handled after the stranger's: no call for the stranger follows.
    const later = gateway.inject({ from: ALICE, text: "after the stranger" });
    await waitFor(() => typingStates(gateway.dbPath, later.chatId).at(-1) === false, { what: "later turn" });
    expect(callsOf(gateway.dbPath, stranger.chatId)).toEqual([]);
    expect(isRead(gateway.dbPath, stranger.id)).toBe(false);
  });

  it("in a group: unmentioned chatter is never marked read; a mention is read, without a bubble (typingIndicator dm)", async () => {
    const group = { chatIdentifier: "chat777", group: true, participants: [BOB] };
    const kept = await droppedAs(gateway, "no-mention");
    const chatter = gateway.inject({ from: ALICE, text: "lunch anyone?", ...group });
    await waitFor(async () => (await droppedAs(gateway, "no-mention")) === kept + 1, {
      what: "kept as history",
    });
    expect(callsOf(gateway.dbPath, chatter.chatId)).toEqual([]);
    expect(isRead(gateway.dbPath, chatter.id)).toBe(false);
    const mention = gateway.inject({ from: ALICE, text: "@bot what time is it?", ...group });
    await waitFor(() => gateway.outgoing(mention.chatId).includes("@bot what time is it?"), {
      what: "answer",
    });
    await waitFor(() => callsOf(gateway.dbPath, mention.chatId).length === 1, { what: "the read call" });
    expect(callsOf(gateway.dbPath, mention.chatId)).toEqual([expect.objectContaining({ method: "read" })]);
    expect(isRead(gateway.dbPath, mention.id)).toBe(true);
    expect(gateway.outgoing(chatter.chatId)).toEqual(["@bot what time is it?"]);
  });

  it("hands a tapback on the bot's own message to the agent as an event (no text), and the agent's answer is sent", async () => {
    const question = gateway.inject({ from: BOB, text: "shall we meet at 6?" });
    await waitFor(() => gateway.outgoing(question.chatId).length >= 1, { what: "the bot's message" });
    const botText = "hook: shall we meet at 6?";
    await waitFor(() => gateway.outgoing(question.chatId).includes(botText), { what: "the bot's message" });
    const botGuid = sentGuid(gateway.dbPath, question.chatId, botText);
    const before = hook.turns.length;
    gateway.inject({ from: BOB, reaction: "like", reactedTo: botGuid });
    await waitFor(() => gateway.outgoing(question.chatId).includes("glad you liked it"), {
      what: "the agent's answer to the tapback",
    });
    const events = hook.turns.slice(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      text: "",
      sender: BOB,
      event: {
        kind: "reaction",
        reaction: "like",
        added: true,
        from: BOB,
        target: { id: botGuid, text: botText, fromMe: true },
      },
    });
    expect(String(events[0]?.body)).toContain(`[tapback] liked your message “${botText}”`);
  });

  it("the legacy text form is a tapback event too, never a text turn; the echo agent does not answer events", async () => {
    const hello = gateway.inject({ from: ALICE, text: "see you at 6" });
    await waitFor(() => gateway.outgoing(hello.chatId).includes("see you at 6"), { what: "the echo" });
    const sentBefore = gateway.outgoing(hello.chatId).length;
    const reactionsBefore = await droppedAs(gateway, "empty-reply");
    gateway.inject({ from: ALICE, text: tapbackText("love", "see you at 6") });
    const structured = sentGuid(gateway.dbPath, hello.chatId, "see you at 6");
    gateway.inject({ from: ALICE, reaction: "laugh", reactedTo: structured });
    // Both events reached the echo agent, which answered nothing (an empty reply is counted, not sent).
    await waitFor(async () => (await droppedAs(gateway, "empty-reply")) === reactionsBefore + 2, {
      what: "two unanswered events",
    });
    const marker = gateway.inject({ from: ALICE, text: "marker" });
    await waitFor(() => gateway.outgoing(marker.chatId).includes("marker"), { what: "the marker's echo" });
    expect(gateway.outgoing(hello.chatId).slice(sentBefore)).toEqual(["marker"]);
  });

  it("a tapback event turn starts no typing bubble and no read receipt (openclaw#25515, #11189: a bubble for a silent event)", async () => {
    const hello = gateway.inject({ from: ALICE, text: "bubble check" });
    const turnCalls = (from: number) => callsOf(gateway.dbPath, hello.chatId).slice(from);
    // Each accepted text turn makes three calls: read, typing on, typing off.
    const helloFrom = callsOf(gateway.dbPath, hello.chatId).length;
    await waitFor(() => turnCalls(helloFrom).length === 3, {
      what: "the first turn's read receipt and bubble",
    });
    await waitFor(() => gateway.outgoing(hello.chatId).includes("bubble check"), { what: "the echo" });
    const unansweredBefore = await droppedAs(gateway, "empty-reply");
    const eventFrom = callsOf(gateway.dbPath, hello.chatId).length;
    gateway.inject({
      from: ALICE,
      reaction: "love",
      reactedTo: sentGuid(gateway.dbPath, hello.chatId, "bubble check"),
    });
    await waitFor(async () => (await droppedAs(gateway, "empty-reply")) === unansweredBefore + 1, {
      what: "the event handed to the agent",
    });
    gateway.inject({ from: ALICE, text: "after the tapback" });
    await waitFor(() => turnCalls(eventFrom).length >= 3, { what: "the next turn's calls" });
    // Only the next message's own read receipt and bubble: the event in between called nothing.
    expect(turnCalls(eventFrom).map((call) => [call.method, call.typing])).toEqual([
      ["read", undefined],
      ["typing", true],
      ["typing", false],
    ]);
  });

  it("reactionNotifications own (default): a tapback on someone else's message reaches no agent", async () => {
    const theirs = gateway.inject({ from: BOB, text: "my own words" });
    await waitFor(() => gateway.outgoing(theirs.chatId).includes("hook: my own words"), { what: "answer" });
    const before = hook.turns.length;
    const dropped = await droppedAs(gateway, "reaction");
    gateway.inject({ from: BOB, reaction: "love", reactedTo: theirs.guid });
    await waitFor(async () => (await droppedAs(gateway, "reaction")) === dropped + 1, {
      what: "the tapback dropped as reaction",
    });
    expect(hook.turns.length).toBe(before);
  });
});

describe("reactionNotifications and typingIndicator settings (imsg-sim 0.15, bridge up)", () => {
  let gateway: GatewayProcess;
  let hook: HookAgent;

  beforeAll(async () => {
    hook = await startHookAgent();
    gateway = await startGateway({
      compat: "0.15",
      env: BRIDGE,
      config: gatewayConfig(hook, {
        reactionNotifications: "all",
        typingIndicator: "off",
        accounts: { default: { sendReadReceipts: false } },
      }),
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    await hook?.server.close();
  });

  it('"all" hands every allowed tapback to the agent; typingIndicator "off" and an account\'s sendReadReceipts false call nothing', async () => {
    const theirs = gateway.inject({ from: BOB, text: "a photo caption" });
    await waitFor(() => gateway.outgoing(theirs.chatId).includes("hook: a photo caption"), {
      what: "answer",
    });
    gateway.inject({ from: BOB, reaction: "emphasis", reactedTo: theirs.guid, removeReaction: true });
    await waitFor(() => hook.turns.some((turn) => turn.event !== undefined), { what: "the event" });
    expect(hook.turns.find((turn) => turn.event)?.event).toMatchObject({
      reaction: "emphasis",
      added: false,
      target: { id: theirs.guid, text: "a photo caption", fromMe: false },
    });
    expect(readBridgeCalls(gateway.dbPath)).toEqual([]);
    expect(isRead(gateway.dbPath, theirs.id)).toBe(false);
  });
});

describe.each(COMPAT_MODES)("imsg bridge down or unknown (imsg-sim %s)", (compat: Compat) => {
  let gateway: GatewayProcess;
  let hook: HookAgent;

  beforeAll(async () => {
    hook = await startHookAgent();
    // 0.9 with the sim's bridge on: imsg 0.9 cannot say whether its bridge runs, so it is never used.
    gateway = await startGateway({
      compat,
      env: compat === "0.9" ? BRIDGE : SECRET,
      config: gatewayConfig(hook),
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    await hook?.server.close();
  });

  it("never calls typing or read, says so in one info line, and still answers", async () => {
    const line = await gateway.waitForLog((l) => l.msg.includes("does not list typing or read as usable"));
    expect(line.level).toBe(30);
    const message = gateway.inject({ from: ALICE, text: "plain hello" });
    await waitFor(() => gateway.outgoing(message.chatId).includes("plain hello"), { what: "the echo" });
    expect(readBridgeCalls(gateway.dbPath)).toEqual([]);
    expect(isRead(gateway.dbPath, message.id)).toBe(false);
    expect(gateway.logs().filter((l) => l.msg.includes("as usable"))).toHaveLength(1);
  });

  it("still treats tapbacks as events, never as text turns", async () => {
    const question = gateway.inject({ from: BOB, text: "ok?" });
    await waitFor(() => gateway.outgoing(question.chatId).includes("hook: ok?"), { what: "answer" });
    const botGuid = sentGuid(gateway.dbPath, question.chatId, "hook: ok?");
    gateway.inject({ from: BOB, text: tapbackText("like", "hook: ok?") });
    await waitFor(() => gateway.outgoing(question.chatId).includes("glad you liked it"), { what: "answer" });
    expect(hook.turns.find((turn) => turn.event)?.event).toMatchObject({
      reaction: "like",
      target: { id: botGuid, fromMe: true },
    });
    expect(hook.turns.some((turn) => String(turn.text).startsWith("Liked"))).toBe(false);
  });
});
