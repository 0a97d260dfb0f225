/**
 * Issue 10, items 1, 3 and 4, against a real gateway process and imsg-sim in both compat modes: the watch's
 * starting point is persisted on a quiet first start, old messages are history rather than answered, and a
 * replaced chat.db does not leave the gateway deaf.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createSimDb, seedHistory } from "@imgate/imsg-sim/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  COMPAT_MODES,
  createWorkspace,
  type GatewayProcess,
  injectMessage,
  startGateway,
  waitFor,
} from "./harness/index.ts";
import { killImsgChildren } from "./proof/imsg-children.ts";

const FRIEND = "+15550001001";
const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const DROPPED = "imgate_messages_dropped_total";
const OPEN_DMS = { channels: { imessage: { dmPolicy: "open", allowFrom: ["*"] } } };

/** Texts the gateway kept as history context (`<stateDir>/state.db`), oldest first. */
function historyTexts(stateDir: string): string[] {
  const db = new DatabaseSync(join(stateDir, "state.db"), { readOnly: true });
  try {
    return (db.prepare("SELECT text FROM history ORDER BY id").all() as Array<{ text: string }>).map(
      (row) => row.text,
    );
  } finally {
    db.close();
  }
}

/** The cursor the gateway persisted for its watcher (undefined when none). */
function storedCursor(stateDir: string): number | undefined {
  const db = new DatabaseSync(join(stateDir, "state.db"), { readOnly: true });
  try {
    const row = db.prepare("SELECT position FROM cursors").get() as { position: string } | undefined;
    return row === undefined ? undefined : Number(row.position);
  } finally {
    db.close();
  }
}

/**
 * A restored backup: a fresh chat.db with a few rows of its own (sent just now, so only the replaced-database
 * logic keeps them from being answered) moved over the stand-in's database file. Returns their chat ids.
 */
function swapInRestoredDb(gateway: GatewayProcess): number[] {
  const fresh = gateway.workspace.path(`restored-${Date.now()}`);
  mkdirSync(fresh);
  const restored = createSimDb(fresh);
  const chats = ["+15550002001", "+15550002002"].map(
    (from) => injectMessage(restored, { from, text: "already on the restored Mac" }).chatId,
  );
  const { dbPath } = gateway.workspace;
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${dbPath}${suffix}`, { force: true });
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(`${restored}${suffix}`)) renameSync(`${restored}${suffix}`, `${dbPath}${suffix}`);
  }
  return chats;
}

const gateways: GatewayProcess[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.dispose()));
});

async function start(compat: (typeof COMPAT_MODES)[number], config: object = OPEN_DMS) {
  const gateway = await startGateway({ compat, config });
  gateways.push(gateway);
  return gateway;
}

describe.each(COMPAT_MODES)("watch cursor and message age (imsg %s)", (compat) => {
  it("a quiet first start loses nothing: three messages sent while it was down are answered once, in order", async () => {
    const gateway = await start(compat);
    // No traffic at all, then a stop: the starting point must already be on disk.
    await gateway.stop();
    expect(storedCursor(gateway.workspace.stateDir)).toBeDefined();
    const texts = ["one", "two", "three"];
    const chatId = texts.map((text) => gateway.inject({ from: FRIEND, text }).chatId)[0] as number;
    await gateway.restart();
    await waitFor(() => gateway.outgoing(chatId).length >= 3, { what: "three replies" });
    const last = gateway.inject({ from: FRIEND, text: "four" });
    await waitFor(() => gateway.outgoing(chatId).at(-1) === "four", { what: "the fourth reply" });
    expect(gateway.outgoing(chatId)).toEqual(["one", "two", "three", "four"]);
    expect(last.chatId).toBe(chatId);
  });

  it("a live message sent a day ago is not answered or paired, is kept as history and is counted", async () => {
    const stranger = "+15550009999";
    const gateway = await start(compat, {
      channels: { imessage: { dmPolicy: "pairing", allowFrom: [FRIEND] } },
    });
    const old = gateway.inject({ from: FRIEND, text: "old news from yesterday", dateMs: Date.now() - DAY });
    const strangerOld = gateway.inject({ from: stranger, text: "remember me?", dateMs: Date.now() - DAY });
    const fresh = gateway.inject({ from: FRIEND, text: "fresh question" });
    await waitFor(() => gateway.outgoing(fresh.chatId).length === 1, { what: "the fresh reply" });
    expect(gateway.outgoing(old.chatId)).toEqual(["fresh question"]);
    expect(gateway.outgoing(strangerOld.chatId)).toEqual([]);
    expect(historyTexts(gateway.workspace.stateDir)).toContain("old news from yesterday");
    expect(historyTexts(gateway.workspace.stateDir)).not.toContain("remember me?");
    expect(await gateway.metric(DROPPED, { account: "default", reason: "stale-live" })).toBe(2);
    const logged = gateway.logs().filter((line) => line.reason === "stale-live");
    expect(logged.map((line) => [line.level, line.count])).toEqual([
      [30, 1],
      [30, 2],
    ]);
  });

  it("after downtime a replayed 3-hour-old message is history while a 1-hour-old one is answered", async () => {
    const gateway = await start(compat);
    const warmUp = gateway.inject({ from: FRIEND, text: "hello" });
    await waitFor(() => gateway.outgoing(warmUp.chatId).length === 1, { what: "the first reply" });
    await gateway.stop();
    const tooOld = gateway.inject({
      from: "+15550001002",
      text: "three hours ago",
      dateMs: Date.now() - 3 * HOUR,
    });
    const recent = gateway.inject({ from: "+15550001003", text: "an hour ago", dateMs: Date.now() - HOUR });
    await gateway.restart();
    await waitFor(() => gateway.outgoing(recent.chatId).length === 1, { what: "the replayed reply" });
    expect(gateway.outgoing(recent.chatId)).toEqual(["an hour ago"]);
    expect(gateway.outgoing(tooOld.chatId)).toEqual([]);
    expect(historyTexts(gateway.workspace.stateDir)).toContain("three hours ago");
    expect(await gateway.metric(DROPPED, { account: "default", reason: "stale-replay" })).toBe(1);
  });

  it("limits set to 0 are off: old live and replayed messages are answered", async () => {
    const gateway = await start(compat, {
      channels: { imessage: { ...OPEN_DMS.channels.imessage, maxMessageAge: { liveMs: 0, replayMs: 0 } } },
    });
    const live = gateway.inject({ from: FRIEND, text: "from yesterday", dateMs: Date.now() - DAY });
    await waitFor(() => gateway.outgoing(live.chatId).length === 1, {
      what: "the reply to an old live message",
    });
    await gateway.stop();
    const replayed = gateway.inject({
      from: "+15550001004",
      text: "from last week",
      dateMs: Date.now() - 7 * DAY,
    });
    await gateway.restart();
    await waitFor(() => gateway.outgoing(replayed.chatId).length === 1, {
      what: "the reply to an old replay",
    });
    expect(await gateway.metric(DROPPED, { account: "default", reason: "stale-live" })).toBe(0);
    expect(await gateway.metric(DROPPED, { account: "default", reason: "stale-replay" })).toBe(0);
  });

  it("a replaced chat.db (ROWIDs far below the cursor) is detected: its rows are not answered, new ones are", async () => {
    const gateway = await start(compat);
    const { dbPath, stateDir } = gateway.workspace;
    await gateway.stop();
    // The old database grows past 60 rows while the gateway is down; the restart answers the last one.
    seedHistory(dbPath, { messages: 60, chats: 3 });
    const before = gateway.inject({ from: FRIEND, text: "last one on the old Mac" });
    await gateway.restart();
    await waitFor(() => gateway.outgoing(before.chatId).length === 1, { what: "the old database's reply" });
    await gateway.stop();
    const oldCursor = storedCursor(stateDir) as number;
    expect(oldCursor).toBeGreaterThan(60);

    const existing = swapInRestoredDb(gateway);
    await gateway.restart();
    const warning = await gateway.waitForLog((line) => String(line.msg).includes("chat.db was replaced"), {
      what: "the replaced-database warning",
    });
    expect(warning.level).toBe(40);
    const answered = gateway.inject({ from: FRIEND, text: "hello from the new Mac" });
    expect(answered.id).toBeLessThan(oldCursor);
    await waitFor(() => gateway.outgoing(answered.chatId).at(-1) === "hello from the new Mac", {
      what: "the reply on the new database",
    });
    for (const chatId of existing) expect(gateway.outgoing(chatId)).toEqual([]);
    expect(storedCursor(stateDir)).toBeLessThan(oldCursor);
  });

  it("a chat.db replaced under a running gateway is detected when imsg restarts (resubscribe)", async () => {
    const workspace = createWorkspace();
    seedHistory(workspace.dbPath, { messages: 60, chats: 3 });
    const gateway = await startGateway({ compat, config: OPEN_DMS, workspace });
    try {
      const before = gateway.inject({ from: FRIEND, text: "before the swap" });
      await waitFor(() => gateway.outgoing(before.chatId).length === 1, { what: "the first reply" });
      const oldCursor = storedCursor(workspace.stateDir) as number;
      const existing = swapInRestoredDb(gateway);
      expect(killImsgChildren(gateway.pid)).toBeGreaterThan(0);
      const warning = await gateway.waitForLog((line) => String(line.msg).includes("chat.db was replaced"), {
        what: "the replaced-database warning after the imsg restart",
      });
      expect(warning.previousCursor).toBeGreaterThanOrEqual(oldCursor);
      const answered = gateway.inject({ from: FRIEND, text: "after the swap" });
      await waitFor(() => gateway.outgoing(answered.chatId).at(-1) === "after the swap", {
        what: "the reply on the swapped-in database",
      });
      for (const chatId of existing) expect(gateway.outgoing(chatId)).toEqual([]);
    } finally {
      await gateway.dispose();
      workspace.dispose();
    }
  });
});
