import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  asyncView,
  createOutbox,
  createPendingTurnStore,
  openStateStore,
  type StateStore,
  silentLogger,
} from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import type { ImsgClientState } from "@imgate/imsg-rpc";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAccountStatus } from "./account-status.ts";
import { giveUpUncertain } from "./uncertain-delivery.ts";

let dir: string;
let store: StateStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imgate-account-status-"));
  store = openStateStore({ path: join(dir, "state.db"), logger: silentLogger, clock: createManualClock() });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const baseState: ImsgClientState = {
  status: "ready",
  lastError: undefined,
  restarts: 0,
  failures: 0,
  nextRetryAt: undefined,
  process: undefined,
  pid: undefined,
  capabilities: undefined,
};

function setup(state: Partial<ImsgClientState>, watching = true) {
  return createAccountStatus({
    accountId: "bot",
    accountIds: ["bot", "work"],
    client: { state: { ...baseState, ...state } },
    transportKind: "local",
    watching: () => watching,
    outbox: asyncView(createOutbox({ store })),
    clock: createManualClock(),
    pendingTurns: asyncView(createPendingTurnStore(store)),
    fix: (error) => (error ? `fix for ${error.message}` : undefined),
  });
}

describe("account status", () => {
  it("reports every account of the watcher; running only once the watch is confirmed", () => {
    expect(
      setup({}, false)
        .readiness()
        .map((report) => [report.accountId, report.state]),
    ).toEqual([
      ["bot", "starting"],
      ["work", "starting"],
    ]);
    expect(setup({}).readiness()[0]?.state).toBe("running");
  });

  it("shows activity, the last error and a transport fix while in backoff", () => {
    const status = setup({
      status: "backoff",
      lastError: new Error("imsg exited"),
      failures: 2,
      nextRetryAt: Date.UTC(2026, 0, 1, 0, 0, 5),
    });
    status.noteInbound(Date.UTC(2026, 0, 1));
    const [report] = status.readiness();
    expect(report).toMatchObject({
      state: "backoff",
      lastError: "imsg exited",
      failures: 2,
      fix: "fix for imsg exited",
      lastInboundAt: "2026-01-01T00:00:00.000Z",
      nextRetryAt: "2026-01-01T00:00:05.000Z",
    });
  });

  it("a delivery error shows when the transport has none", () => {
    const status = setup({});
    status.noteDeliveryError("chat not found");
    status.noteOutbound(Date.UTC(2026, 0, 2));
    expect(status.readiness()[1]).toMatchObject({
      lastError: "chat not found",
      lastOutboundAt: "2026-01-02T00:00:00.000Z",
    });
  });

  it("shows the owner's state-store fields as of the last refresh", async () => {
    const status = setup({});
    const outbox = createOutbox({ store });
    await outbox.reconcile(() => "unknown");
    const { entry } = outbox.enqueue({
      idempotencyKey: "reply:x:0",
      channel: "imessage",
      accountId: "bot",
      chatKey: "7",
      target: "chat_id:7",
      text: "hi",
    });
    outbox.markSending(entry.id);
    await giveUpUncertain(asyncView(outbox), { ...entry, lastError: "imsg exited mid-send" });
    expect(status.readiness()[0]?.uncertainDeliveries).toBeUndefined();
    await status.refresh();
    expect(status.readiness()[0]?.uncertainDeliveries).toBe(1);
    // Only the owner reports them.
    expect(status.readiness()[1]?.uncertainDeliveries).toBeUndefined();
  });
});
