import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  asyncView,
  createOutbox,
  type Outbox,
  openStateStore,
  type StateStore,
  silentLogger,
} from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import type { DeliveryVerdict } from "@imgate/imessage-channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOutboxReconciler } from "./outbox-reconciler.ts";
import { UNCERTAIN_PREFIX } from "./uncertain-delivery.ts";

let dir: string;
let store: StateStore;
let outbox: Outbox;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imgate-outbox-reconciler-"));
  store = openStateStore({ path: join(dir, "state.db"), logger: silentLogger, clock: createManualClock() });
  outbox = createOutbox({ store });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Entries whose sends ended without an answer from imsg (written by a previous run's outbox). */
async function unknownEntries(...keys: string[]) {
  return unknownEntriesOf("bot", ...keys);
}

async function unknownEntriesOf(accountId: string, ...keys: string[]) {
  const previousRun = createOutbox({ store });
  await previousRun.reconcile(() => "unknown");
  return keys.map((key) => {
    const { entry } = previousRun.enqueue({
      idempotencyKey: key,
      channel: "imessage",
      accountId,
      chatKey: `chat-${key}`,
      target: "chat_id:7",
      text: `reply ${key}`,
    });
    previousRun.markSending(entry.id);
    return previousRun.markUnknown(entry.id, "imsg exited mid-send");
  });
}

function setup(answer: (key: string) => DeliveryVerdict | Error) {
  let kicks = 0;
  const reconciler = createOutboxReconciler({
    outbox: asyncView(outbox),
    accountId: "bot",
    delivery: {
      reconcile: async (item) => {
        const verdict = answer((item as { idempotencyKey: string }).idempotencyKey);
        if (verdict instanceof Error) throw verdict;
        return verdict;
      },
    },
    isReady: () => false,
    kick: () => {
      kicks += 1;
    },
    logger: silentLogger,
  });
  return { reconciler, kicks: () => kicks };
}

describe("outbox reconciler", () => {
  it("decides every entry before sending starts: sent is marked, undecidable is given up as uncertain", async () => {
    const [sent, undecided] = await unknownEntries("a", "b");
    if (!sent || !undecided) throw new Error("seeding failed");
    const { reconciler, kicks } = setup((key) =>
      key === "a" ? { state: "sent", resultId: "R1" } : "unknown",
    );
    expect(reconciler.reconciled).toBe(false);
    await reconciler.reconcile();
    expect(reconciler.reconciled).toBe(true);
    expect(kicks()).toBe(1);
    expect(outbox.get(sent.id)?.state).toBe("sent");
    expect(outbox.get(undecided.id)).toMatchObject({ state: "failed" });
    expect(outbox.get(undecided.id)?.lastError?.startsWith(UNCERTAIN_PREFIX)).toBe(true);
    reconciler.stop();
  });

  it("checks only its own account's entries (another gateway's in-flight sends on a shared store are theirs)", async () => {
    const [own] = await unknownEntries("mine");
    const [other] = await unknownEntriesOf("elsewhere", "theirs");
    if (!own || !other) throw new Error("seeding failed");
    const asked: string[] = [];
    const { reconciler } = setup((key) => {
      asked.push(key);
      return { state: "sent", resultId: "R" };
    });
    await reconciler.reconcile();
    expect(asked).toEqual(["mine"]);
    expect(reconciler.reconciled).toBe(true);
    expect(outbox.get(own.id)?.state).toBe("sent");
    expect(outbox.get(other.id)?.state).toBe("unknown");
    reconciler.stop();
  });

  it("an entry imsg cannot be asked about stays unknown and sending pauses (never given up unseen)", async () => {
    const [entry] = await unknownEntries("c");
    if (!entry) throw new Error("seeding failed");
    const { reconciler } = setup(() => new Error("imsg is restarting"));
    expect(await reconciler.settleUnknown(entry)).toBe("settled");
    expect(outbox.get(entry.id)?.state).toBe("unknown");
    expect(reconciler.reconciled).toBe(false);
    reconciler.stop();
  });

  it("settleUnknown hands a certainly unsent entry back for a retry", async () => {
    const [entry] = await unknownEntries("d");
    if (!entry) throw new Error("seeding failed");
    const { reconciler } = setup(() => "not_sent");
    expect(await reconciler.settleUnknown(entry)).toBe("not_sent");
    reconciler.stop();
  });
});
