/**
 * The pairing behaviour every state store must show, as one suite both stores run (SQLite in channel-core,
 * PostgreSQL in state-postgres): the same scenarios, through the async {@link AsyncPairing} API.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ManualClock } from "./manual-clock.ts";
import { generatePairingCode } from "./pairing-code.ts";
import type { PairingLimits, PairingRequestOutcome } from "./pairing-types.ts";
import type { AsyncPairing } from "./state/state-backend.ts";
import { PairingError, StateErrorCode } from "./state-errors.ts";

/** A fresh, empty pairing store for one test. */
export interface PairingContractStore {
  /** The clock every service opened on this store reads. */
  clock: ManualClock;
  /** A pairing service on this store (several may be open at once, as several processes would). */
  open(limits?: PairingLimits): AsyncPairing | Promise<AsyncPairing>;
  dispose(): Promise<void> | void;
}

const HOUR = 3_600_000;

/** Awaits a refused pairing call and returns its {@link PairingError}. */
async function refusal(call: Promise<unknown>): Promise<PairingError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PairingError);
  return error as PairingError;
}

function codeOf(outcome: PairingRequestOutcome): string {
  if (outcome.action !== "reply") throw new Error(`expected a reply, got ${outcome.reason}`);
  return outcome.code;
}

/**
 * Registers the pairing contract: `setup` makes a fresh store per test. The rules are channel-core's
 * `createPairingRules`; what this checks is that a store runs them over its rows faithfully.
 */
export function describePairingContract(name: string, setup: () => Promise<PairingContractStore>): void {
  describe(`pairing contract: ${name}`, () => {
    let store: PairingContractStore;
    let clock: ManualClock;
    let pairing: AsyncPairing;
    beforeEach(async () => {
      store = await setup();
      clock = store.clock;
      pairing = await store.open();
    });
    afterEach(async () => {
      await store.dispose();
    });

    it("gives a stranger a code that expires after expiryMs, drops empty meta, and lists it", async () => {
      const outcome = await pairing.request({
        channel: "imessage",
        sender: "+15550001111",
        meta: { chatId: "7", x: "" },
      });
      expect(outcome).toEqual({
        action: "reply",
        code: expect.stringMatching(/^[A-HJ-NP-Z2-9]{8}$/),
        expiresAt: clock.now() + HOUR,
      });
      const listed = await pairing.list("imessage");
      expect(listed).toEqual([
        {
          channel: "imessage",
          sender: "+15550001111",
          code: codeOf(outcome),
          createdAt: clock.now(),
          lastSeenAt: clock.now(),
          expiresAt: clock.now() + HOUR,
          meta: { chatId: "7" },
          expiresInMs: HOUR,
        },
      ]);
      expect(await pairing.list()).toEqual(listed);
    });

    it("a pending sender gets no second code; lastSeenAt moves, createdAt does not", async () => {
      const code = codeOf(await pairing.request({ channel: "imessage", sender: "a" }));
      const created = clock.now();
      clock.advance(10 * 60_000);
      expect(await pairing.request({ channel: "imessage", sender: "a" })).toEqual({
        action: "none",
        reason: "already_pending",
        code,
      });
      expect((await pairing.list("imessage"))[0]).toMatchObject({
        createdAt: created,
        lastSeenAt: created + 600_000,
        expiresInMs: 50 * 60_000,
      });
      expect(pairing.counters()).toMatchObject({ replied: 1, already_pending: 1 });
    });

    it("keeps at most maxPendingPerChannel pending per channel; others are not recorded", async () => {
      for (const sender of ["a", "b", "c"]) codeOf(await pairing.request({ channel: "imessage", sender }));
      expect(await pairing.request({ channel: "imessage", sender: "d" })).toEqual({
        action: "none",
        reason: "pending_cap",
      });
      expect((await pairing.list("imessage")).map((r) => r.sender)).toEqual(["a", "b", "c"]);
      codeOf(await pairing.request({ channel: "other", sender: "d" }));
      const four = await store.open({ maxPendingPerChannel: 4 });
      codeOf(await four.request({ channel: "imessage", sender: "d" }));
      expect(pairing.counters().pending_cap).toBe(1);
    });

    it("expired requests free their slot and their code stops working; purgeExpired counts every channel", async () => {
      const first = codeOf(await pairing.request({ channel: "imessage", sender: "a" }));
      clock.advance(HOUR - 1);
      expect(await pairing.list("imessage")).toHaveLength(1);
      clock.advance(1);
      expect(await pairing.list("imessage")).toEqual([]);
      expect((await refusal(pairing.approve("imessage", first))).code).toBe(StateErrorCode.pairingNotFound);
      expect(await pairing.purgeExpired()).toBe(0);
      expect((await pairing.request({ channel: "imessage", sender: "a" })).action).toBe("reply");
      await pairing.request({ channel: "sms", sender: "b" });
      clock.advance(HOUR);
      expect(await pairing.purgeExpired()).toBe(2);
      expect(await pairing.list()).toEqual([]);
    });

    it("silent mode records the request without replying", async () => {
      const silent = await store.open({ pairingReply: "silent" });
      expect(await silent.request({ channel: "imessage", sender: "a" })).toEqual({
        action: "none",
        reason: "silent",
        code: expect.any(String),
      });
      expect((await silent.list("imessage")).map((r) => r.sender)).toEqual(["a"]);
      expect(await pairing.request({ channel: "imessage", sender: "b", reply: "silent" })).toMatchObject({
        reason: "silent",
      });
      expect(silent.counters().silent).toBe(1);
    });

    it("caps replies per rolling hour across channels, still recording the request", async () => {
      const capped = await store.open({ maxRepliesPerHour: 2 });
      expect((await capped.request({ channel: "c1", sender: "a" })).action).toBe("reply");
      expect((await capped.request({ channel: "c2", sender: "a" })).action).toBe("reply");
      expect(await capped.request({ channel: "c3", sender: "a" })).toMatchObject({
        action: "none",
        reason: "reply_cap",
      });
      expect(await capped.list("c3")).toHaveLength(1);
      clock.advance(HOUR);
      expect((await capped.request({ channel: "c4", sender: "a" })).action).toBe("reply");
      expect(capped.counters()).toMatchObject({ replied: 3, reply_cap: 1 });
    });

    it("hands out codes unique within the channel", async () => {
      let draws = 0;
      const rigged = await store.open({
        // The first two draws give the same code: the second request must draw again.
        randomBytes: (size) => {
          draws += 1;
          return Uint8Array.from({ length: size }, () => (draws <= 2 ? 0 : 1));
        },
      });
      expect(codeOf(await rigged.request({ channel: "imessage", sender: "a" }))).toBe("AAAAAAAA");
      expect(codeOf(await rigged.request({ channel: "imessage", sender: "b" }))).toBe("BBBBBBBB");
      expect(draws).toBe(3);
    });

    it("approves case-insensitively on that channel only, removes the request, and recognises the code again", async () => {
      const code = codeOf(
        await pairing.request({ channel: "imessage", sender: "+15550001111", meta: { chatId: "7" } }),
      );
      expect((await refusal(pairing.approve("sms", code))).code).toBe(StateErrorCode.pairingNotFound);
      expect(await pairing.isApprovedSender("imessage", "+15550001111")).toBe(false);
      expect(await pairing.approve("imessage", ` ${code.toLowerCase()} `)).toEqual({
        channel: "imessage",
        sender: "+15550001111",
        meta: { chatId: "7" },
      });
      expect(await pairing.isApprovedSender("imessage", "+15550001111")).toBe(true);
      expect(await pairing.isApprovedSender("sms", "+15550001111")).toBe(false);
      expect(await pairing.listApproved("imessage")).toEqual([
        { channel: "imessage", sender: "+15550001111", approvedAt: clock.now() },
      ]);
      expect(await pairing.list()).toEqual([]);
      clock.advance(10 * 60_000);
      expect(await pairing.approve("imessage", code)).toEqual({
        channel: "imessage",
        sender: "+15550001111",
        alreadyApproved: true,
      });
      expect((await refusal(pairing.reject("imessage", code))).message).toContain("was already approved");
      expect(pairing.counters()).toMatchObject({ approved: 1, already_approved: 1, wrong_code: 2 });
      await pairing.removeApproved("imessage", "+15550001111");
      expect((await refusal(pairing.approve("imessage", code))).message).toContain(
        "No pending pairing request",
      );
    });

    it("adds and removes approved senders directly, in approval order", async () => {
      expect(await pairing.addApproved("imessage", "x")).toBe(true);
      expect(await pairing.addApproved("imessage", "x")).toBe(false);
      clock.advance(1);
      expect(await pairing.addApproved("imessage", "a")).toBe(true);
      expect((await pairing.listApproved("imessage")).map((r) => r.sender)).toEqual(["x", "a"]);
      expect(await pairing.removeApproved("imessage", "x")).toBe(true);
      expect(await pairing.removeApproved("imessage", "x")).toBe(false);
      expect(await pairing.isApprovedSender("imessage", "x")).toBe(false);
    });

    it("rate-limits wrong codes: after 5 in a minute even the right one is refused, until the window passes", async () => {
      const code = codeOf(await pairing.request({ channel: "imessage", sender: "a" }));
      for (let i = 0; i < 5; i += 1) {
        expect((await refusal(pairing.approve("imessage", "ZZZZZZZZ"))).code).toBe(
          StateErrorCode.pairingNotFound,
        );
      }
      const limited = await refusal(pairing.approve("imessage", code));
      expect(limited.code).toBe(StateErrorCode.pairingRateLimited);
      expect(limited.message).toMatch(/Wait 60 s/);
      expect((await refusal(pairing.reject("imessage", code))).code).toBe(StateErrorCode.pairingRateLimited);
      // The failures are stored: another process (the CLI) is refused too.
      const other = await store.open();
      expect((await refusal(other.approve("imessage", code))).code).toBe(StateErrorCode.pairingRateLimited);
      clock.advance(60_000);
      expect((await pairing.approve("imessage", code)).sender).toBe("a");
      expect(pairing.counters()).toMatchObject({ wrong_code: 5, rate_limited: 2, approved: 1 });
    });

    it("200 wrong guesses approve nobody", async () => {
      const codes = await Promise.all(
        ["a", "b", "c"].map(async (sender) => codeOf(await pairing.request({ channel: "imessage", sender }))),
      );
      for (let i = 0; i < 200; i += 1) {
        let guess = generatePairingCode();
        while (codes.includes(guess)) guess = generatePairingCode();
        await refusal(pairing.approve("imessage", guess));
        if (i % 50 === 49) clock.advance(30_000);
      }
      expect(await pairing.listApproved("imessage")).toEqual([]);
      const counts = pairing.counters();
      expect(counts.approved).toBe(0);
      expect(counts.wrong_code + counts.rate_limited).toBe(200);
    });

    it("a rejected sender gets no new code for rejectCooldownMs (24 h by default), others are unaffected", async () => {
      expect(pairing.rejectCooldownMs).toBe(24 * HOUR);
      const code = codeOf(await pairing.request({ channel: "imessage", sender: "a" }));
      expect(await pairing.reject("imessage", code)).toMatchObject({ sender: "a", code });
      expect(await pairing.isApprovedSender("imessage", "a")).toBe(false);
      clock.advance(23 * HOUR);
      expect(await pairing.request({ channel: "imessage", sender: "a" })).toEqual({
        action: "none",
        reason: "rejected",
      });
      expect(await pairing.list("imessage")).toEqual([]);
      expect((await refusal(pairing.approve("imessage", code))).message).toContain(
        `The pairing request with code ${code} was rejected; a gets no new code until`,
      );
      expect((await pairing.request({ channel: "imessage", sender: "b" })).action).toBe("reply");
      clock.advance(HOUR);
      expect((await pairing.request({ channel: "imessage", sender: "a" })).action).toBe("reply");
      expect(pairing.counters()).toMatchObject({ rejected: 1, reject_cooldown: 1 });
    });

    it("honours a configured cooldown, and 0 turns it off", async () => {
      const short = await store.open({ rejectCooldownMs: 10 * 60_000 });
      await short.reject("imessage", codeOf(await short.request({ channel: "imessage", sender: "a" })));
      clock.advance(9 * 60_000);
      expect((await short.request({ channel: "imessage", sender: "a" })).action).toBe("none");
      clock.advance(60_000);
      expect((await short.request({ channel: "imessage", sender: "a" })).action).toBe("reply");
      const off = await store.open({ rejectCooldownMs: 0 });
      await off.reject("imessage", codeOf(await off.request({ channel: "imessage", sender: "b" })));
      expect((await off.request({ channel: "imessage", sender: "b" })).action).toBe("reply");
    });

    it("the not-found message names the configured expiry", async () => {
      const short = await store.open({ expiryMs: 15 * 60_000 });
      expect(short.expiryMs).toBe(15 * 60_000);
      expect((await refusal(short.approve("imessage", "ABCD2345"))).message).toContain(
        "codes expire after 15 minutes",
      );
    });
  });
}
