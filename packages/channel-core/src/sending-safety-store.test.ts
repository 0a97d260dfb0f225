import { afterEach, describe, expect, it } from "vitest";
import { openTempStateStore, type TempStateStore } from "./__fixtures__/temp-state-store.ts";
import { createOutbox } from "./outbox.ts";
import { createPauseStore } from "./pause-store.ts";
import { createSendLog } from "./send-log.ts";

let temp: TempStateStore | undefined;
afterEach(() => {
  temp?.dispose();
  temp = undefined;
});

describe("pause switches", () => {
  it("pause one account or all, survive a reopen, resume all clears both", () => {
    temp = openTempStateStore();
    const pauses = createPauseStore({ store: temp.store });
    pauses.pause("imessage", "bot", "spam report");
    expect(pauses.stateOf("imessage", "bot")).toMatchObject({ scope: "account", reason: "spam report" });
    expect(pauses.stateOf("imessage", "other")).toBeUndefined();
    pauses.pause("imessage", undefined);
    const reopened = createPauseStore({ store: temp.reopen() });
    expect(reopened.stateOf("imessage", "other")).toMatchObject({ scope: "all", accountId: "*" });
    expect(reopened.resume("imessage", "bot").map((record) => record.accountId)).toEqual(["bot"]);
    expect(reopened.stateOf("imessage", "bot")?.scope).toBe("all");
    expect(reopened.resume("imessage", undefined)).toHaveLength(1);
    expect(reopened.list()).toEqual([]);
  });
});

describe("send log", () => {
  it("counts sends and distinct new contacts in a window", () => {
    temp = openTempStateStore();
    const log = createSendLog({ store: temp.store });
    const t0 = temp.clock.now();
    log.record({ channel: "imessage", accountId: "a", contact: "+1", newContact: true, at: t0 });
    log.record({ channel: "imessage", accountId: "a", contact: "+1", newContact: true, at: t0 + 10 });
    log.record({ channel: "imessage", accountId: "a", contact: "+2", newContact: false, at: t0 + 20 });
    log.record({ channel: "imessage", accountId: "b", contact: "+3", newContact: true, at: t0 + 30 });
    expect(log.usage("imessage", "a", t0)).toEqual({
      sends: 3,
      oldestSendAt: t0,
      newContacts: 1,
      newContactFirstAt: [t0],
    });
    expect(log.usage("imessage", "a", t0 + 15).newContacts).toBe(0);
    expect(log.countedSince("imessage", "a", "+1", t0)).toBe(true);
    expect(log.countedSince("imessage", "a", "+2", t0)).toBe(false);
    expect(log.lastSendAt("imessage", "a")).toBe(t0 + 20);
    expect(log.purge(t0 + 15)).toBe(2);
  });
});

describe("outbox holds", () => {
  it("a held entry waits without an attempt, keeps its chat's order, and its reason clears once sent", async () => {
    temp = openTempStateStore();
    const outbox = createOutbox({ store: temp.store });
    await outbox.reconcile(() => "unknown");
    const draft = { channel: "imessage", accountId: "a", chatKey: "1", target: "+1" };
    outbox.enqueue({ ...draft, idempotencyKey: "k1", text: "one" });
    outbox.enqueue({ ...draft, idempotencyKey: "k2", text: "two" });
    const first = outbox.claimNext()!;
    const held = outbox.hold(first.id, "new-contacts-per-hour", temp.clock.now() + 60_000);
    expect(held).toMatchObject({ state: "queued", attempts: 0, heldReason: "new-contacts-per-hour" });
    // Not due, and the second entry of the chat waits behind it.
    expect(outbox.claimNext()).toBeUndefined();
    temp.clock.advance(60_000);
    const again = outbox.claimNext()!;
    expect(again.id).toBe(first.id);
    expect(outbox.markSent(again.id).heldReason).toBeUndefined();
    expect(outbox.claimNext()?.text).toBe("two");
  });

  it("releaseHolds makes held entries due again for a fresh look", async () => {
    temp = openTempStateStore();
    const outbox = createOutbox({ store: temp.store });
    await outbox.reconcile(() => "unknown");
    outbox.enqueue({
      channel: "imessage",
      accountId: "a",
      chatKey: "1",
      target: "+1",
      idempotencyKey: "k",
      text: "x",
    });
    outbox.hold(outbox.claimNext()!.id, "max-per-day", temp.clock.now() + 86_400_000);
    expect(outbox.claimNext()).toBeUndefined();
    expect(outbox.releaseHolds("other")).toBe(0);
    expect(outbox.releaseHolds("a")).toBe(1);
    expect(outbox.claimNext()?.text).toBe("x");
  });
});
