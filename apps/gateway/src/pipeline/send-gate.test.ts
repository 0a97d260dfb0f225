import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  asyncView,
  createPauseStore,
  createSendLog,
  type OutboxEntry,
  openStateStore,
  type StateStore,
  silentLogger,
} from "@imgate/channel-core";
import { createManualClock, type ManualClock } from "@imgate/channel-core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSendGate, type HoldReason } from "./send-gate.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let dir: string;
let store: StateStore;
let clock: ManualClock;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imgate-send-gate-"));
  clock = createManualClock();
  store = openStateStore({ path: join(dir, "state.db"), logger: silentLogger, clock });
});
afterEach(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let nextId = 1;
/** An outbox entry to chat `chatKey`: an operator send, or a reply to an inbound message. */
function entry(chatKey: string, kind: "send" | "reply" = "send"): OutboxEntry {
  const id = nextId++;
  return {
    id,
    idempotencyKey: kind === "reply" ? `reply:imessage:bot:guid-${id}:0` : `send:${id}`,
    channel: "imessage",
    accountId: "bot",
    chatKey,
    target: `chat_id:${chatKey}`,
    text: "hi",
    state: "sending",
    attempts: 1,
    notBefore: 0,
    createdAt: clock.now(),
    updatedAt: clock.now(),
  };
}

function gate(limits: Partial<Parameters<typeof createSendGate>[0]["limits"]>, wroteToUs: string[] = []) {
  const holds: HoldReason[] = [];
  const pauses = createPauseStore({ store });
  const created = createSendGate({
    accountId: "bot",
    limits: { newContactsPerHour: 0, newContactsPerDay: 0, minSendIntervalMs: 0, maxPerDay: 0, ...limits },
    pauses: asyncView(pauses),
    sendLog: asyncView(createSendLog({ store })),
    hasWrittenToUs: async (item) => wroteToUs.includes(item.chatKey),
    onHold: (reason) => holds.push(reason),
    logger: silentLogger,
    clock,
  });
  return { gate: created, holds, pauses };
}

describe("send gate: new-contact budgets", () => {
  it("holds the first message to a new contact over the hourly, then the daily budget, and lets it go as the window moves", async () => {
    const { gate: g, holds } = gate({ newContactsPerHour: 2, newContactsPerDay: 3 }, ["20"]);
    const t0 = clock.now();
    for (const chat of ["10", "11"]) {
      const item = entry(chat);
      expect(await g.admit(item)).toBeUndefined();
      await g.recordSent(item);
    }
    const third = entry("12");
    expect(await g.admit(third)).toEqual({ reason: "new-contacts-per-hour", until: t0 + HOUR });
    // Never held by the new-contact budget: someone who wrote to us, a reply, a second message to a person already counted.
    expect(await g.admit(entry("20"))).toBeUndefined();
    expect(await g.admit(entry("13", "reply"))).toBeUndefined();
    expect(await g.admit(entry("10"))).toBeUndefined();

    clock.advance(HOUR);
    expect(await g.admit(third)).toBeUndefined();
    await g.recordSent(third);
    expect(await g.admit(entry("14"))).toEqual({ reason: "new-contacts-per-day", until: t0 + DAY });
    expect(holds).toEqual(["new-contacts-per-hour", "new-contacts-per-day"]);
  });

  it("counts a contact whose history cannot be read as new", async () => {
    const pauses = createPauseStore({ store });
    const g = createSendGate({
      accountId: "bot",
      limits: { newContactsPerHour: 1, newContactsPerDay: 0, minSendIntervalMs: 0, maxPerDay: 0 },
      pauses: asyncView(pauses),
      sendLog: asyncView(createSendLog({ store })),
      hasWrittenToUs: async () => {
        throw new Error("imsg is down");
      },
      onHold: () => {},
      logger: silentLogger,
      clock,
    });
    const first = entry("30");
    expect(await g.admit(first)).toBeUndefined();
    await g.recordSent(first);
    expect((await g.admit(entry("31")))?.reason).toBe("new-contacts-per-hour");
  });
});

describe("send gate: account-wide holds", () => {
  it("pause, then the daily cap, then pacing — each lifted by resume or by time", async () => {
    const { gate: g, pauses, holds } = gate({ maxPerDay: 2, minSendIntervalMs: 1_000 });
    pauses.pause("imessage", undefined, "test");
    expect(await g.accountHold()).toEqual({ reason: "paused", until: undefined });
    expect((await g.paused())?.scope).toBe("all");
    pauses.resume("imessage", undefined);
    expect(await g.accountHold()).toBeUndefined();

    const t0 = clock.now();
    await g.recordSent(entry("1", "reply"));
    expect(await g.accountHold()).toEqual({ reason: "min-send-interval", until: t0 + 1_000 });
    clock.advance(1_000);
    expect(await g.accountHold()).toBeUndefined();
    await g.recordSent(entry("1", "reply"));
    clock.advance(1_000);
    expect(await g.accountHold()).toEqual({ reason: "max-per-day", until: t0 + DAY });
    clock.set(t0 + DAY);
    expect(await g.accountHold()).toBeUndefined();
    expect(holds).toEqual(["paused", "min-send-interval", "max-per-day"]);
  });

  it("pacing counts the last send of an earlier run, read from the send log", async () => {
    const t0 = clock.now();
    await gate({}).gate.recordSent(entry("1", "reply"));
    clock.advance(400);
    const { gate: restarted } = gate({ minSendIntervalMs: 1_000 });
    expect(await restarted.accountHold()).toEqual({ reason: "min-send-interval", until: t0 + 1_000 });
    clock.advance(600);
    expect(await restarted.accountHold()).toBeUndefined();
  });
});
