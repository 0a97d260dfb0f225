/**
 * Issue 12, "Pairing": a rejected sender gets no new code for the cooldown, an approved code is
 * recognised when approved again, and messages name the configured expiry.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTempStateStore, type TempStateStore } from "./__fixtures__/temp-state-store.ts";
import { formatDuration } from "./format-duration.ts";
import { createPairingService, type PairingService } from "./pairing-service.ts";
import { PairingError } from "./state-errors.ts";

const HOUR = 3_600_000;
let temp: TempStateStore;

beforeEach(() => {
  temp = openTempStateStore();
});
afterEach(() => temp.dispose());

function codeOf(outcome: ReturnType<PairingService["request"]>): string {
  if (outcome.action !== "reply") throw new Error(`expected a reply, got ${outcome.reason}`);
  return outcome.code;
}

function refusal(fn: () => unknown): PairingError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PairingError);
    return error as PairingError;
  }
  throw new Error("expected a PairingError");
}

describe("pairing reject cooldown", () => {
  it("a rejected sender gets no new code for 24 h by default, then may ask again", () => {
    const pairing = createPairingService({ store: temp.store });
    expect(pairing.rejectCooldownMs).toBe(24 * HOUR);
    const code = codeOf(pairing.request({ channel: "imessage", sender: "+15550001111" }));
    pairing.reject("imessage", code);
    temp.clock.advance(23 * HOUR);
    expect(pairing.request({ channel: "imessage", sender: "+15550001111" })).toEqual({
      action: "none",
      reason: "rejected",
    });
    expect(pairing.list("imessage")).toEqual([]);
    expect(pairing.counters().reject_cooldown).toBe(1);
    // Other senders are not affected.
    expect(pairing.request({ channel: "imessage", sender: "+15550002222" }).action).toBe("reply");
    temp.clock.advance(HOUR);
    expect(pairing.request({ channel: "imessage", sender: "+15550001111" }).action).toBe("reply");
  });

  it("honours a configured cooldown, and 0 turns it off", () => {
    const short = createPairingService({ store: temp.store, rejectCooldownMs: 10 * 60_000 });
    short.reject("imessage", codeOf(short.request({ channel: "imessage", sender: "a" })));
    temp.clock.advance(9 * 60_000);
    expect(short.request({ channel: "imessage", sender: "a" }).action).toBe("none");
    temp.clock.advance(60_000);
    const next = short.request({ channel: "imessage", sender: "a" });
    expect(next.action).toBe("reply");

    const off = createPairingService({ store: temp.store, rejectCooldownMs: 0 });
    off.reject("imessage", codeOf(off.request({ channel: "imessage", sender: "b" })));
    expect(off.request({ channel: "imessage", sender: "b" }).action).toBe("reply");
  });

  it("the cooldown survives a restart (it lives in the state database)", () => {
    const first = createPairingService({ store: temp.store });
    first.reject("imessage", codeOf(first.request({ channel: "imessage", sender: "a" })));
    const second = createPairingService({ store: temp.store });
    expect(second.request({ channel: "imessage", sender: "a" })).toEqual({
      action: "none",
      reason: "rejected",
    });
  });

  it("approving a rejected code says it was rejected", () => {
    const pairing = createPairingService({ store: temp.store });
    const code = codeOf(pairing.request({ channel: "imessage", sender: "+15550001111" }));
    pairing.reject("imessage", code);
    expect(refusal(() => pairing.approve("imessage", code)).message).toContain(
      `The pairing request with code ${code} was rejected; +15550001111 gets no new code until`,
    );
  });
});

describe("approving an already-approved code", () => {
  it("says so (alreadyApproved) and changes nothing; rejecting it afterwards is refused", () => {
    const pairing = createPairingService({ store: temp.store });
    const code = codeOf(pairing.request({ channel: "imessage", sender: "+15550001111" }));
    expect(pairing.approve("imessage", code)).not.toHaveProperty("alreadyApproved");
    temp.clock.advance(10 * 60_000);
    expect(pairing.approve("imessage", code)).toEqual({
      channel: "imessage",
      sender: "+15550001111",
      alreadyApproved: true,
    });
    expect(pairing.counters()).toMatchObject({ approved: 1, already_approved: 1, wrong_code: 0 });
    expect(refusal(() => pairing.reject("imessage", code)).message).toContain("was already approved");
    expect(pairing.isApprovedSender("imessage", "+15550001111")).toBe(true);
  });

  it("is 'not found' again once the sender was removed from the approved list", () => {
    const pairing = createPairingService({ store: temp.store });
    const code = codeOf(pairing.request({ channel: "imessage", sender: "a" }));
    pairing.approve("imessage", code);
    pairing.removeApproved("imessage", "a");
    expect(refusal(() => pairing.approve("imessage", code)).message).toContain("No pending pairing request");
  });
});

describe("expiry wording", () => {
  it("the not-found message names the configured expiry, not 'an hour'", () => {
    const pairing = createPairingService({ store: temp.store, expiryMs: 15 * 60_000 });
    const message = refusal(() => pairing.approve("imessage", "ABCD2345")).message;
    expect(message).toContain("codes expire after 15 minutes");
    expect(message).not.toContain("an hour");
  });

  it("formatDuration", () => {
    expect(formatDuration(HOUR)).toBe("1 hour");
    expect(formatDuration(24 * HOUR)).toBe("24 hours");
    expect(formatDuration(3 * 24 * HOUR)).toBe("3 days");
    expect(formatDuration(90 * 60_000)).toBe("90 minutes");
    expect(formatDuration(1_000)).toBe("1 second");
  });
});
