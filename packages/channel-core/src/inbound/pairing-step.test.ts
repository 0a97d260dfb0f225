import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordingContext } from "../__fixtures__/recording-context.ts";
import { openTempStateStore, type TempStateStore } from "../__fixtures__/temp-state-store.ts";
import { createInboundDedupe } from "../inbound-dedupe.ts";
import { silentLogger } from "../logger.ts";
import { createOutbox } from "../outbox.ts";
import { createPairingService } from "../pairing-service.ts";
import { createSqliteBackend } from "../state/sqlite-backend.ts";
import { PAIRING_MESSAGE_META, pairingStep } from "./pairing-step.ts";

let temp: TempStateStore;
beforeEach(() => {
  temp = openTempStateStore();
});
afterEach(() => temp.dispose());

describe("pairingStep", () => {
  const setup = () => {
    const pairing = createPairingService({ store: temp.store });
    const step = pairingStep({
      pairing: createSqliteBackend(temp.store).pairing,
      channel: "test",
      message: (code) => `code ${code}`,
      meta: (ctx) => ({ accountId: ctx.accountId }),
      logger: silentLogger,
    });
    return { pairing, step };
  };

  it("records the request and replies with the code once; never hands on", async () => {
    const { pairing, step } = setup();
    const ctx = recordingContext(temp.store);
    ctx.decision = { kind: "pairing" };
    let passed = false;
    await step(ctx, async () => {
      passed = true;
    });
    expect(passed).toBe(false);
    const [request] = pairing.list("test");
    expect(ctx.replies).toEqual([`code ${request?.code}`]);
    expect(request?.meta).toEqual({ accountId: "bot", [PAIRING_MESSAGE_META]: "G1" });
    expect(ctx.counts).toEqual(["pairing"]);
    // The same message again (a replay that raced the dedupe step) changes nothing.
    const replay = recordingContext(temp.store);
    replay.decision = { kind: "pairing" };
    await step(replay, async () => {});
    expect(replay.replies).toEqual([]);
    expect(pairing.list("test")).toHaveLength(1);
  });

  it("a message replayed after its request was stored but before it finished still gets its code, once", async () => {
    const { pairing, step } = setup();
    // The first run records the request, then dies before the message's outcome commits.
    const crashed = recordingContext(temp.store);
    crashed.decision = { kind: "pairing" };
    crashed.finish = () => {};
    await step(crashed, async () => {});
    expect(pairing.list("test")).toHaveLength(1);
    expect(createInboundDedupe({ store: temp.store }).has("bot", "G1")).toBe(false);
    const replay = recordingContext(temp.store);
    replay.decision = { kind: "pairing" };
    await step(replay, async () => {});
    const [request] = pairing.list("test");
    expect(replay.replies).toEqual([`code ${request?.code}`]);
    expect(createOutbox({ store: temp.store }).list()).toHaveLength(1);
    // Another message from the same stranger while the request is pending gets no second code.
    const next = recordingContext(temp.store, { ...replay.envelope, guid: "G2", messageId: "2" });
    next.decision = { kind: "pairing" };
    await step(next, async () => {});
    expect(next.replies).toEqual([]);
    expect(createOutbox({ store: temp.store }).list()).toHaveLength(1);
  });

  it("a silent request is not answered on a replay either", async () => {
    const pairing = createPairingService({ store: temp.store });
    const step = pairingStep({
      pairing: createSqliteBackend(temp.store).pairing,
      channel: "test",
      message: (code) => `code ${code}`,
      replyMode: () => "silent",
      logger: silentLogger,
    });
    const crashed = recordingContext(temp.store);
    crashed.decision = { kind: "pairing" };
    crashed.finish = () => {};
    await step(crashed, async () => {});
    const replay = recordingContext(temp.store);
    replay.decision = { kind: "pairing" };
    await step(replay, async () => {});
    expect(pairing.list("test")).toHaveLength(1);
    expect(replay.replies).toEqual([]);
    expect(replay.finished).toBe(1);
  });

  it("hands on any other decision", async () => {
    const { step } = setup();
    const ctx = recordingContext(temp.store);
    ctx.decision = { kind: "history-only", reason: "no-mention" };
    let passed = false;
    await step(ctx, async () => {
      passed = true;
    });
    expect(passed).toBe(true);
  });
});
