import { afterEach, describe, expect, it } from "vitest";
import { createMemoryPairingSource } from "./__fixtures__/memory-pairing-source.ts";
import { openTempStateStore, type TempStateStore } from "./__fixtures__/temp-state-store.ts";
import { createAsyncPairingService } from "./async-pairing-service.ts";
import { silentLogger } from "./logger.ts";
import { createManualClock } from "./manual-clock.ts";
import { describePairingContract } from "./pairing-contract.ts";
import { createPairingSnapshot } from "./pairing-snapshot.ts";
import { createPairingStore, type PairingRequestRecord, type PairingStore } from "./pairing-store.ts";

const request = (
  sender: string,
  code: string,
  createdAt: number,
  extra: Partial<PairingRequestRecord> = {},
) => ({
  channel: "imessage",
  sender,
  code,
  createdAt,
  lastSeenAt: createdAt,
  expiresAt: createdAt + 1000,
  ...extra,
});

let temp: TempStateStore | undefined;
afterEach(() => {
  temp?.dispose();
  temp = undefined;
});

// The same expectations of the rows, on the SQLite table and on an (empty, complete) snapshot.
describe.each([
  [
    "SQLite rows",
    (): PairingStore => {
      temp = openTempStateStore();
      return createPairingStore(temp.store);
    },
  ],
  [
    "pairing snapshot",
    (): PairingStore =>
      createPairingSnapshot({
        requests: [],
        decisions: [],
        approved: [],
        approvedComplete: true,
        events: [],
      }),
  ],
])("pairing rows: %s", (_name, open) => {
  it("requests: insert, get, list in creation order, touch, delete, count; empty meta is not kept", () => {
    const rows = open();
    rows.insertRequest(request("b", "BBBBBBBB", 2, { meta: { chatId: "1" } }));
    rows.insertRequest(request("a", "AAAAAAAA", 2, { meta: {} }));
    rows.insertRequest({ ...request("c", "AAAAAAAA", 1), channel: "sms" });
    expect(rows.getRequest("imessage", "a")).toEqual(request("a", "AAAAAAAA", 2));
    expect(rows.listRequests("imessage").map((r) => r.sender)).toEqual(["a", "b"]);
    expect(rows.listRequests().map((r) => `${r.channel}/${r.sender}`)).toEqual([
      "sms/c",
      "imessage/a",
      "imessage/b",
    ]);
    expect(rows.listRequests("imessage")[1]?.meta).toEqual({ chatId: "1" });
    expect([rows.codeInUse("imessage", "AAAAAAAA"), rows.codeInUse("imessage", "CCCCCCCC")]).toEqual([
      true,
      false,
    ]);
    rows.touchRequest("imessage", "a", 50);
    rows.touchRequest("imessage", "nobody", 50);
    expect(rows.getRequest("imessage", "a")).toMatchObject({ createdAt: 2, lastSeenAt: 50 });
    expect(rows.countRequests("imessage")).toBe(2);
    expect(rows.deleteRequest("imessage", "a")).toBe(true);
    expect(rows.deleteRequest("imessage", "a")).toBe(false);
    expect(rows.getRequest("imessage", "a")).toBeUndefined();
  });

  it("requests: a second request of a sender, or a taken code on the channel, is refused", () => {
    const rows = open();
    rows.insertRequest(request("a", "AAAAAAAA", 1));
    expect(() => rows.insertRequest(request("a", "BBBBBBBB", 2))).toThrow();
    expect(() => rows.insertRequest(request("b", "AAAAAAAA", 2))).toThrow();
    expect(rows.listRequests().map((r) => r.code)).toEqual(["AAAAAAAA"]);
  });

  it("purges requests expiring at or before now, on every channel", () => {
    const rows = open();
    rows.insertRequest(request("a", "AAAAAAAA", 0, { expiresAt: 10 }));
    rows.insertRequest({ ...request("b", "BBBBBBBB", 0, { expiresAt: 10 }), channel: "sms" });
    rows.insertRequest(request("c", "CCCCCCCC", 0, { expiresAt: 11 }));
    expect(rows.purgeExpiredRequests(10)).toBe(2);
    expect(rows.listRequests().map((r) => r.sender)).toEqual(["c"]);
  });

  it("approved senders: add once, list in approval order, remove", () => {
    const rows = open();
    expect(rows.addApproved("imessage", "b", 5)).toBe(true);
    expect(rows.addApproved("imessage", "b", 6)).toBe(false);
    expect(rows.addApproved("imessage", "a", 5)).toBe(true);
    expect(rows.addApproved("sms", "c", 1)).toBe(true);
    expect(rows.listApproved("imessage")).toEqual([
      { channel: "imessage", sender: "a", approvedAt: 5 },
      { channel: "imessage", sender: "b", approvedAt: 5 },
    ]);
    expect([rows.isApprovedSender("imessage", "a"), rows.isApprovedSender("sms", "a")]).toEqual([
      true,
      false,
    ]);
    expect(rows.removeApproved("imessage", "a")).toBe(true);
    expect(rows.removeApproved("imessage", "a")).toBe(false);
    expect(rows.isApprovedSender("imessage", "a")).toBe(false);
  });

  it("events: counted after `since` across channels with the oldest time, purged at or before a time", () => {
    const rows = open();
    rows.recordEvent("reply", "imessage", 10);
    rows.recordEvent("reply", "sms", 20);
    rows.recordEvent("approve_failed", "imessage", 30);
    expect(rows.countEvents("reply", 9)).toEqual({ count: 2, oldestAt: 10 });
    expect(rows.countEvents("reply", 10)).toEqual({ count: 1, oldestAt: 20 });
    expect(rows.countEvents("reply", 20)).toEqual({ count: 0, oldestAt: undefined });
    expect(rows.purgeEvents(20)).toBe(2);
    expect(rows.countEvents("approve_failed", 0)).toEqual({ count: 1, oldestAt: 30 });
  });

  it("decisions: put replaces, get, list by decision time, purge at or before now", () => {
    const rows = open();
    const decision = { channel: "imessage", sender: "a", code: "AAAAAAAA", decidedAt: 5, until: 50 };
    rows.putDecision({ ...decision, decision: "rejected" });
    rows.putDecision({ ...decision, decision: "approved", decidedAt: 6 });
    rows.putDecision({ ...decision, sender: "b", decision: "rejected", decidedAt: 1, until: 10 });
    expect(rows.getDecision("imessage", "a")).toEqual({ ...decision, decision: "approved", decidedAt: 6 });
    expect(rows.listDecisions("imessage").map((d) => d.sender)).toEqual(["b", "a"]);
    expect(rows.listDecisions("sms")).toEqual([]);
    expect(rows.purgeDecisions(10)).toBe(1);
    expect(rows.getDecision("imessage", "b")).toBeUndefined();
  });
});

describe("pairing snapshot changes", () => {
  const loaded = () =>
    createPairingSnapshot({
      channel: "imessage",
      requests: [
        request("a", "AAAAAAAA", 0, { expiresAt: 10 }),
        request("b", "BBBBBBBB", 0, { expiresAt: 100 }),
      ],
      decisions: [
        { channel: "imessage", sender: "c", code: "CCCCCCCC", decision: "rejected", decidedAt: 0, until: 5 },
      ],
      approved: [{ channel: "imessage", sender: "b", approvedAt: 0 }],
      events: [{ kind: "reply", channel: "sms", at: 40 }],
      eventsSince: 30,
    });

  it("nothing read changes nothing", () => {
    const rows = loaded();
    rows.listRequests("imessage");
    rows.countEvents("reply", 30);
    expect(rows.changes()).toMatchObject({ any: false, purged: {} });
  });

  it("reports the net effect as rows: deleted keys, upserted rows, inserted approvals and events, purge thresholds", () => {
    const rows = loaded();
    expect(rows.purgeExpiredRequests(10)).toBe(1);
    rows.purgeDecisions(10);
    rows.purgeEvents(20);
    rows.insertRequest(request("a", "DDDDDDDD", 10));
    rows.touchRequest("imessage", "b", 11);
    rows.removeApproved("imessage", "b");
    rows.addApproved("imessage", "a", 12);
    rows.putDecision({
      channel: "imessage",
      sender: "a",
      code: "DDDDDDDD",
      decision: "approved",
      decidedAt: 12,
      until: 99,
    });
    rows.recordEvent("approve_failed", "imessage", 12);
    expect(rows.changes()).toEqual({
      requests: {
        deleted: [],
        upserted: [
          request("a", "DDDDDDDD", 10),
          request("b", "BBBBBBBB", 0, { expiresAt: 100, lastSeenAt: 11 }),
        ],
      },
      decisions: {
        deleted: [{ channel: "imessage", sender: "c" }],
        upserted: [
          {
            channel: "imessage",
            sender: "a",
            code: "DDDDDDDD",
            decision: "approved",
            decidedAt: 12,
            until: 99,
          },
        ],
      },
      approved: {
        deleted: [{ channel: "imessage", sender: "b" }],
        inserted: [{ channel: "imessage", sender: "a", approvedAt: 12 }],
      },
      events: { inserted: [{ kind: "approve_failed", channel: "imessage", at: 12 }] },
      purged: { requestsExpiredBy: 10, eventsAtOrBefore: 20, decisionsUntilBy: 10 },
      any: true,
    });
  });

  it("a row deleted and made again unchanged is no change; the caller's objects are copies", () => {
    const rows = loaded();
    const b = rows.getRequest("imessage", "b") as PairingRequestRecord;
    rows.deleteRequest("imessage", "b");
    rows.insertRequest(b);
    b.code = "ZZZZZZZZ";
    expect(rows.getRequest("imessage", "b")?.code).toBe("BBBBBBBB");
    expect(rows.changes().any).toBe(false);
  });

  it("refuses questions about rows it did not load, instead of answering 'none'", () => {
    const rows = loaded();
    expect(() => rows.getRequest("sms", "a")).toThrow(/holds the rows of channel "imessage" only/);
    expect(() => rows.listRequests()).toThrow(/not of every channel/);
    expect(() => rows.isApprovedSender("imessage", "stranger")).toThrow(
      /did not load whether stranger is approved/,
    );
    expect(() => rows.listApproved("imessage")).toThrow(/some approved senders only/);
    expect(() => rows.countEvents("reply", 29)).toThrow(/holds the events after 30 only/);
    // Senders with a request or decision are known, approved or not.
    expect([rows.isApprovedSender("imessage", "a"), rows.isApprovedSender("imessage", "b")]).toEqual([
      false,
      true,
    ]);
    expect(rows.isApprovedSender("imessage", "c")).toBe(false);
  });
});

describePairingContract("in-memory snapshots (the loading and write-back contract)", async () => {
  const clock = createManualClock();
  const source = createMemoryPairingSource(clock);
  return {
    clock,
    open: (limits) => createAsyncPairingService({ ...limits, source, clock, logger: silentLogger }),
    dispose: () => {},
  };
});
