import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { silentLogger, systemClock } from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { countRows, type SimHarness, startSim } from "./__fixtures__/sim-harness.ts";
import { createImessageDelivery } from "./delivery.ts";
import { createEchoFilter } from "./echo-filter.ts";
import { imsgPortFromClient, sendCapabilitiesOf } from "./imsg-port-from-client.ts";

const account = { accountId: "bot", service: "auto", region: "US", mediaMaxMb: 16 } as const;
let sim: SimHarness | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function deliveryFor(harness: SimHarness, port = harness.port) {
  return createImessageDelivery({
    account,
    port,
    echo: createEchoFilter({ clock: createManualClock(), logger: silentLogger }),
    logger: silentLogger,
    clock: systemClock,
    capabilities: sendCapabilitiesOf(harness.client),
    delay: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
}

describe.each(["0.9", "0.15"] as const)("delivery against imsg-sim %s", (compat) => {
  it("sends 3 chats × 50 chunks in order per chat", async () => {
    sim = await startSim(compat);
    const delivery = deliveryFor(sim);
    const handles = ["+15550001001", "+15550001002", "+15550001003"];
    const jobs: Promise<unknown>[] = [];
    // Interleave the chats so per-chat order is really tested.
    for (let i = 0; i < 50; i++) {
      for (const [c, handle] of handles.entries()) {
        jobs.push(
          delivery.deliver({ idempotencyKey: `k:${c}:${i}`, target: handle, text: `chat ${c} chunk ${i}` }),
        );
      }
    }
    const outcomes = await Promise.all(jobs);
    expect(outcomes.filter((o) => (o as { state: string }).state !== "sent")).toEqual([]);
    const chats = await sim.port.listChats({ limit: 10 });
    expect(chats).toHaveLength(3);
    for (const [c, handle] of handles.entries()) {
      const chat = chats.find((x) => x.identifier === handle);
      expect(chat, handle).toBeDefined();
      const rows = await sim.port.history({ chat_id: chat!.id, limit: 200 });
      const texts = rows
        .filter((r) => r.is_from_me)
        .sort((a, b) => a.id - b.id)
        .map((r) => r.text);
      expect(texts).toEqual(Array.from({ length: 50 }, (_, i) => `chat ${c} chunk ${i}`));
    }
  });
});

describe("ambiguous sends are reconciled, never sent twice", () => {
  it("0.15: -32001 → unknown → reconciled as sent; one row in the db", async () => {
    sim = await startSim("0.15", { IMSG_SIM_FAIL_SENDS: "1", IMSG_SIM_FAIL_SEND_INSERTS: "1" });
    const delivery = deliveryFor(sim);
    const item = {
      idempotencyKey: "reply:imessage:bot:G1:0",
      target: "+15550002001",
      text: "only once please",
    };
    const createdAt = Date.now();
    const first = await delivery.deliver(item);
    expect(first.state).toBe("unknown");
    const verdict = await delivery.reconcile({ ...item, createdAt });
    expect(verdict).toMatchObject({ state: "sent" });
    expect(countRows(sim.dbPath, "only once please")).toBe(1);
  });

  it("0.15: a -32001 that wrote nothing is reconciled as not sent", async () => {
    sim = await startSim("0.15", { IMSG_SIM_FAIL_SEND_MATCH: "maybe", IMSG_SIM_FAIL_SEND_INSERTS: "0" });
    const delivery = deliveryFor(sim);
    expect(
      (await delivery.deliver({ idempotencyKey: "k1", target: "+15550002002", text: "fine" })).state,
    ).toBe("sent");
    const item = { idempotencyKey: "k2", target: "+15550002002", text: "maybe" };
    const createdAt = Date.now();
    expect((await delivery.deliver(item)).state).toBe("unknown");
    expect(await delivery.reconcile({ ...item, createdAt })).toBe("not_sent");
    expect(countRows(sim.dbPath, "maybe")).toBe(0);
  });

  it("0.15: rejects instead of guessing when imsg cannot be asked (the entry must stay uncertain)", async () => {
    sim = await startSim("0.15", { IMSG_SIM_FAIL_SEND_MATCH: "lost", IMSG_SIM_FAIL_SEND_INSERTS: "0" });
    const delivery = deliveryFor(sim);
    expect(
      (await delivery.deliver({ idempotencyKey: "k-ok", target: "+15550002004", text: "fine" })).state,
    ).toBe("sent");
    const item = { idempotencyKey: "k-lost", target: "+15550002004", text: "lost" };
    const createdAt = Date.now();
    expect((await delivery.deliver(item)).state).toBe("unknown");
    const client = sim.client;
    const gone = new Promise<void>((resolve) => {
      const off = client.onStateChange((state) => {
        if (state.status === "failed") resolve(off());
      });
    });
    process.kill(client.state.pid as number, "SIGKILL"); // imsg dies; this client does not restart it
    await gone;
    await expect(delivery.reconcile({ ...item, createdAt })).rejects.toThrow();
    expect(countRows(sim.dbPath, "lost")).toBe(0);
  });

  it("0.9: a timed-out send is found in the history instead of being resent", async () => {
    sim = await startSim("0.9", { IMSG_SIM_SEND_DELAY_MS: "1500" });
    const port = imsgPortFromClient(sim.client, { sendTimeoutMs: 200 });
    const delivery = deliveryFor(sim, port);
    const item = { idempotencyKey: "k3", target: "+15550002003", text: "slow but sure" };
    const createdAt = Date.now();
    expect((await delivery.deliver(item)).state).toBe("unknown");
    // 0.9 answers strictly in order, so the history read sees the slow send's row.
    expect(await delivery.reconcile({ ...item, createdAt })).toMatchObject({ state: "sent" });
    expect(countRows(sim.dbPath, "slow but sure")).toBe(1);
  });
});

describe("service, files and empty sends", () => {
  it("honours the target's service prefix (Q6), sends files without invented text, refuses empty sends", async () => {
    sim = await startSim("0.15");
    const staged: string[] = [];
    const delivery = createImessageDelivery({
      account,
      port: sim.port,
      echo: createEchoFilter({ clock: createManualClock(), logger: silentLogger }),
      logger: silentLogger,
      clock: systemClock,
      stageUpload: async (path) => {
        staged.push(path);
        return { remotePath: path };
      },
    });
    expect(
      (await delivery.deliver({ idempotencyKey: "s1", target: "sms:5550004001", text: "by sms" })).state,
    ).toBe("sent");
    const chats = await sim.port.listChats({ limit: 10 });
    expect(chats.find((c) => c.identifier === "+15550004001")?.service).toBe("SMS");

    const file = join(dirname(sim.dbPath), "photo.jpg");
    writeFileSync(file, "not really a jpeg");
    const sent = await delivery.deliver({
      idempotencyKey: "f1",
      target: "+15550004001",
      text: "",
      media: [file],
    });
    expect(sent.state).toBe("sent");
    expect(staged).toEqual([file]);
    expect(countRows(sim.dbPath, "<media:image>")).toBe(0);

    const empty = await delivery.deliver({ idempotencyKey: "e1", target: "+15550004001", text: "  " });
    expect(empty).toMatchObject({
      state: "failed",
      retryable: false,
      error: { code: "IMESSAGE_SEND_EMPTY" },
    });
    const bad = await delivery.deliver({ idempotencyKey: "b1", target: "chat_id:12abc", text: "x" });
    expect(bad).toMatchObject({ state: "failed", error: { code: "IMESSAGE_TARGET_INVALID" } });
  });
});
