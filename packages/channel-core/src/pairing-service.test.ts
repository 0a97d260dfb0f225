import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTempStateStore, type TempStateStore } from "./__fixtures__/temp-state-store.ts";
import type { ManualClock } from "./manual-clock.ts";
import { generatePairingCode } from "./pairing-code.ts";
import { createPairingService, type PairingService } from "./pairing-service.ts";
import { PairingError, StateErrorCode } from "./state-errors.ts";
import type { StateStore } from "./state-store.ts";

const HOUR = 3_600_000;
let temp: TempStateStore;
let clock: ManualClock;
let store: StateStore;
let pairing: PairingService;

beforeEach(() => {
  temp = openTempStateStore();
  ({ store, clock } = temp);
  pairing = createPairingService({ store });
});
afterEach(() => temp.dispose());

function refusal(fn: () => unknown): PairingError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PairingError);
    return error as PairingError;
  }
  throw new Error("expected a PairingError");
}

function codeOf(outcome: ReturnType<PairingService["request"]>): string {
  if (outcome.action !== "reply") throw new Error(`expected a reply, got ${outcome.reason}`);
  return outcome.code;
}

describe("pairing requests", () => {
  it("gives a stranger an 8-character code that expires in an hour, and drops empty meta", () => {
    const outcome = pairing.request({
      channel: "imessage",
      sender: "+15550001111",
      meta: { chatId: "7", x: "" },
    });
    expect(outcome).toEqual({
      action: "reply",
      code: expect.stringMatching(/^[A-HJ-NP-Z2-9]{8}$/),
      expiresAt: clock.now() + HOUR,
    });
    const [listed] = pairing.list("imessage");
    expect(listed).toMatchObject({ sender: "+15550001111", meta: { chatId: "7" }, expiresInMs: HOUR });
    expect(listed?.meta).not.toHaveProperty("x");
  });

  it("does not send the code again to a pending sender, and refreshes lastSeenAt but not createdAt", () => {
    const code = codeOf(pairing.request({ channel: "imessage", sender: "a" }));
    const created = clock.now();
    clock.advance(10 * 60_000);
    expect(pairing.request({ channel: "imessage", sender: "a" })).toEqual({
      action: "none",
      reason: "already_pending",
      code,
    });
    expect(pairing.list("imessage")[0]).toMatchObject({
      createdAt: created,
      lastSeenAt: created + 600_000,
      expiresInMs: 50 * 60_000,
    });
    expect(pairing.counters()).toMatchObject({ replied: 1, already_pending: 1 });
  });

  it("keeps at most 3 pending per channel (configurable); the 4th stranger is ignored and nothing is stored", () => {
    for (const sender of ["a", "b", "c"]) codeOf(pairing.request({ channel: "imessage", sender }));
    expect(pairing.request({ channel: "imessage", sender: "d" })).toEqual({
      action: "none",
      reason: "pending_cap",
    });
    expect(pairing.list("imessage").map((r) => r.sender)).toEqual(["a", "b", "c"]);
    codeOf(pairing.request({ channel: "other", sender: "d" }));
    const two = createPairingService({ store, maxPendingPerChannel: 4 });
    codeOf(two.request({ channel: "imessage", sender: "d" }));
    expect(pairing.counters().pending_cap).toBe(1);
  });

  it("purges expired requests, freeing the slot and letting the sender get a new code", () => {
    const first = codeOf(pairing.request({ channel: "imessage", sender: "a" }));
    clock.advance(HOUR - 1);
    expect(pairing.list("imessage")).toHaveLength(1);
    clock.advance(1);
    expect(pairing.list("imessage")).toEqual([]);
    expect(refusal(() => pairing.approve("imessage", first)).code).toBe(StateErrorCode.pairingNotFound);
    expect(pairing.purgeExpired()).toBe(0);
    expect(pairing.request({ channel: "imessage", sender: "a" }).action).toBe("reply");
  });

  it("silent mode records the request without replying", () => {
    const silent = createPairingService({ store, pairingReply: "silent" });
    const outcome = silent.request({ channel: "imessage", sender: "a" });
    expect(outcome).toEqual({ action: "none", reason: "silent", code: expect.any(String) });
    expect(silent.list("imessage").map((r) => r.sender)).toEqual(["a"]);
    expect(pairing.request({ channel: "imessage", sender: "b", reply: "silent" })).toMatchObject({
      reason: "silent",
    });
    expect(silent.counters().silent).toBe(1);
  });

  it("caps pairing replies per rolling hour across channels, still recording the request", () => {
    const capped = createPairingService({ store, maxRepliesPerHour: 2 });
    expect(capped.request({ channel: "c1", sender: "a" }).action).toBe("reply");
    expect(capped.request({ channel: "c2", sender: "a" }).action).toBe("reply");
    expect(capped.request({ channel: "c3", sender: "a" })).toMatchObject({
      action: "none",
      reason: "reply_cap",
    });
    expect(capped.list("c3")).toHaveLength(1);
    clock.advance(HOUR);
    expect(capped.request({ channel: "c4", sender: "a" }).action).toBe("reply");
    expect(capped.counters()).toMatchObject({ replied: 3, reply_cap: 1 });
  });

  it("hands out codes unique within the channel", () => {
    let draws = 0;
    // The first two draws produce the same code; the second request must draw again.
    const rigged = createPairingService({
      store,
      randomBytes: (size) => {
        draws += 1;
        const letter = draws <= 2 ? 0 : 1;
        return Uint8Array.from({ length: size }, () => letter);
      },
    });
    const a = codeOf(rigged.request({ channel: "imessage", sender: "a" }));
    const b = codeOf(rigged.request({ channel: "imessage", sender: "b" }));
    expect(a).toBe("AAAAAAAA");
    expect(b).toBe("BBBBBBBB");
    expect(draws).toBe(3);
  });
});

describe("pairing approval", () => {
  it("approves case-insensitively, grants DM access on that channel only, and removes the request", () => {
    const code = codeOf(
      pairing.request({ channel: "imessage", sender: "+15550001111", meta: { chatId: "7" } }),
    );
    expect(pairing.isApprovedSender("imessage", "+15550001111")).toBe(false);
    expect(pairing.approve("imessage", ` ${code.toLowerCase()} `)).toEqual({
      channel: "imessage",
      sender: "+15550001111",
      meta: { chatId: "7" },
    });
    expect(pairing.isApprovedSender("imessage", "+15550001111")).toBe(true);
    expect(pairing.isApprovedSender("sms", "+15550001111")).toBe(false);
    expect(pairing.listApproved("imessage")).toEqual([
      { channel: "imessage", sender: "+15550001111", approvedAt: clock.now() },
    ]);
    expect(pairing.list()).toEqual([]);
    // Approving the same code again says so instead of "not found" (issue 12).
    expect(pairing.approve("imessage", code)).toMatchObject({
      sender: "+15550001111",
      alreadyApproved: true,
    });
  });

  it("does not approve a code on another channel", () => {
    const code = codeOf(pairing.request({ channel: "imessage", sender: "a" }));
    expect(refusal(() => pairing.approve("telegram", code)).code).toBe(StateErrorCode.pairingNotFound);
    expect(pairing.list("imessage")).toHaveLength(1);
  });

  it("rejects a request without approving", () => {
    const code = codeOf(pairing.request({ channel: "imessage", sender: "a" }));
    expect(pairing.reject("imessage", code)).toMatchObject({ sender: "a", code });
    expect(pairing.isApprovedSender("imessage", "a")).toBe(false);
    expect(pairing.list()).toEqual([]);
    expect(pairing.counters().rejected).toBe(1);
  });

  it("survives a restart: approvals and pending requests are in the file", () => {
    const code = codeOf(pairing.request({ channel: "imessage", sender: "a" }));
    codeOf(pairing.request({ channel: "imessage", sender: "b" }));
    pairing.approve("imessage", code);
    store = temp.reopen();
    const reopened = createPairingService({ store });
    expect(reopened.isApprovedSender("imessage", "a")).toBe(true);
    expect(reopened.list().map((r) => r.sender)).toEqual(["b"]);
  });

  it("adds and removes approved senders directly", () => {
    expect(pairing.addApproved("imessage", "x")).toBe(true);
    expect(pairing.addApproved("imessage", "x")).toBe(false);
    expect(pairing.removeApproved("imessage", "x")).toBe(true);
    expect(pairing.isApprovedSender("imessage", "x")).toBe(false);
  });

  it("rate-limits wrong codes: after 5 in a minute every attempt is refused, even the right one, until the window passes", () => {
    const code = codeOf(pairing.request({ channel: "imessage", sender: "a" }));
    for (let i = 0; i < 5; i += 1) {
      expect(refusal(() => pairing.approve("imessage", "ZZZZZZZZ")).code).toBe(
        StateErrorCode.pairingNotFound,
      );
    }
    const limited = refusal(() => pairing.approve("imessage", code));
    expect(limited.code).toBe(StateErrorCode.pairingRateLimited);
    expect(limited.message).toMatch(/Wait 60 s/);
    expect(refusal(() => pairing.reject("imessage", code)).code).toBe(StateErrorCode.pairingRateLimited);
    clock.advance(60_000);
    expect(pairing.approve("imessage", code).sender).toBe("a");
    expect(pairing.counters()).toMatchObject({ wrong_code: 5, rate_limited: 2, approved: 1 });
  });

  it("1,000 wrong codes approve nobody, even spread over time", () => {
    const codes = ["a", "b", "c"].map((sender) => codeOf(pairing.request({ channel: "imessage", sender })));
    let refused = 0;
    for (let i = 0; i < 1000; i += 1) {
      let guess = generatePairingCode();
      while (codes.includes(guess)) guess = generatePairingCode();
      try {
        pairing.approve("imessage", guess);
      } catch (error) {
        expect(error).toBeInstanceOf(PairingError);
        refused += 1;
      }
      if (i % 50 === 49) clock.advance(30_000);
    }
    expect(refused).toBe(1000);
    expect(pairing.listApproved("imessage")).toEqual([]);
    const counts = pairing.counters();
    expect(counts.approved).toBe(0);
    expect(counts.wrong_code + counts.rate_limited).toBe(1000);
    expect(counts.rate_limited).toBeGreaterThan(900);
  });

  it("keeps the rate limit across processes by storing failures (a new service sees them)", () => {
    for (let i = 0; i < 5; i += 1) refusal(() => pairing.approve("imessage", "ZZZZZZZZ"));
    const cliInstance = createPairingService({ store });
    expect(refusal(() => cliInstance.approve("imessage", "ZZZZZZZZ")).code).toBe(
      StateErrorCode.pairingRateLimited,
    );
  });
});
