/**
 * Issue 10 item 5: every reflection of the gateway's own sends is recognised, across restarts — mirror rows
 * Messages writes for a sent text (openclaw/openclaw#135704), also late; attributed-body residue before the
 * text (openclaw/openclaw#64309); the echo memory surviving a SIGKILL. A real inline reply is still answered.
 * The gateway and imsg-sim run as real child processes; the echo agent answers with the text it got.
 */
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COMPAT_MODES,
  type GatewayProcess,
  injectMessage,
  outboxRows,
  outgoingRows,
  startGateway,
  waitFor,
} from "./harness/index.ts";

const ALICE = "+15550001111";
const BOB = "+15550002222";
const CAROL = "+15550003333";
const OPEN_DMS = { channels: { imessage: { dmPolicy: "open", allowFrom: ["*"] } } };

/** The guid of the bot's row in `chatId` with `text` (imsg-sim wrote it for the gateway's send). */
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

/** How many inbound rows point at `guid` through `associated_message_guid` (imsg's `reply_to_guid`). */
function rowsPointingAt(dbPath: string, guid: string): number {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return (
      db
        .prepare("SELECT count(*) AS n FROM message WHERE is_from_me = 0 AND associated_message_guid = ?")
        .get(guid) as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

const mirrorDrops = (gateway: GatewayProcess) =>
  gateway.metric("imgate_messages_dropped_total", { account: "default", reason: "mirror" });

describe.each(COMPAT_MODES)("late mirror rows and restarts (imsg %s)", (compat) => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGateway({
      compat,
      config: OPEN_DMS,
      // Messages writes the mirror of every sent text; here it lands 1.5 s after the send.
      env: { IMSG_SIM_MIRROR_ROWS: "1", IMSG_SIM_MIRROR_DELAY_MS: "1500" },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("does not answer a mirror row that arrives late, and answers a real inline reply with other text", async () => {
    const chatId = gateway.inject({ from: ALICE, text: "hello" }).chatId;
    await waitFor(() => gateway.outgoing(chatId).length === 1, { what: "the reply" });
    const hello = sentGuid(gateway.dbPath, chatId, "hello");
    await waitFor(() => rowsPointingAt(gateway.dbPath, hello) === 1, { what: "the late mirror row" });
    // The other person replies inline to the bot's message, with different text: a real turn.
    gateway.inject({ from: ALICE, text: "thanks, got it", replyToGuid: hello });
    await waitFor(() => gateway.outgoing(chatId).length === 2, { what: "the reply to the inline reply" });
    const thanks = sentGuid(gateway.dbPath, chatId, "thanks, got it");
    await waitFor(() => rowsPointingAt(gateway.dbPath, thanks) === 1, {
      what: "the late mirror of the answer",
    });
    // A last message: once it is answered, an answer to either mirror (same session, earlier) would show.
    gateway.inject({ from: ALICE, text: "last" });
    await waitFor(() => gateway.outgoing(chatId).includes("last"), { what: "the last reply" });
    expect(gateway.outgoing(chatId)).toEqual(["hello", "thanks, got it", "last"]);
    expect(await mirrorDrops(gateway)).toBe(2);
  });

  it("remembers its sends across a SIGKILL: a mirror that arrives after the restart is not answered", async () => {
    const chatId = gateway.inject({ from: BOB, text: "before the crash" }).chatId;
    await waitFor(
      () =>
        outboxRows(gateway.workspace.stateDir).some(
          (r) => r.text === "before the crash" && r.state === "sent",
        ),
      { what: "the reply recorded as sent" },
    );
    const guid = sentGuid(gateway.dbPath, chatId, "before the crash");
    expect((await gateway.kill("SIGKILL")).signal).toBe("SIGKILL");
    // While the gateway is down, Messages writes the mirror (the stand-in's own late mirror may follow too).
    injectMessage(gateway.dbPath, { from: BOB, text: "before the crash", replyToGuid: guid });
    await gateway.restart();
    gateway.inject({ from: BOB, text: "after the restart" });
    await waitFor(() => gateway.outgoing(chatId).includes("after the restart"), { what: "the next reply" });
    expect(gateway.outgoing(chatId)).toEqual(["before the crash", "after the restart"]);
    expect(await mirrorDrops(gateway)).toBeGreaterThanOrEqual(1);
  });
});

describe.each(COMPAT_MODES)("reflections with attributed-body residue (imsg %s)", (compat) => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGateway({
      compat,
      config: OPEN_DMS,
      // Mirror rows whose text starts with "\u0093b\u0002" (decoded from attributedBody).
      env: { IMSG_SIM_MIRROR_ROWS: "1", IMSG_SIM_RESIDUE_PREFIX: "1" },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("does not answer a residue-prefixed reflection of its own reply", async () => {
    const chatId = gateway.inject({ from: CAROL, text: "Confirmed — full access" }).chatId;
    await waitFor(() => gateway.outgoing(chatId).length === 1, { what: "the reply" });
    const guid = sentGuid(gateway.dbPath, chatId, "Confirmed — full access");
    await waitFor(() => rowsPointingAt(gateway.dbPath, guid) === 1, { what: "the mirror row" });
    gateway.inject({ from: CAROL, text: "next" });
    await waitFor(() => gateway.outgoing(chatId).includes("next"), { what: "the next reply" });
    expect(gateway.outgoing(chatId)).toEqual(["Confirmed — full access", "next"]);
    expect(await mirrorDrops(gateway)).toBeGreaterThanOrEqual(1);
  });
});
