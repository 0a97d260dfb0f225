import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createSqliteBackend,
  type Middleware,
  openStateStore,
  type StateStore,
  silentLogger,
} from "@imgate/channel-core";
import { createManualClock } from "@imgate/channel-core/testing";
import {
  createEchoFilter,
  createInboundProcessor,
  type ImsgMessage,
  type ImsgPort,
  resolveAccounts,
} from "@imgate/imessage-channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../config/parse-gateway-config.ts";
import { createGatewayMetrics } from "../metrics/gateway-metrics.ts";
import { createAgentRegistry } from "./agent-registry.ts";
import { createCoreServices } from "./core-services.ts";
import { createReplyEnqueuer } from "./enqueue-replies.ts";
import type { GatewayInboundContext } from "./gateway-inbound-context.ts";
import { createInboundDispatch } from "./inbound-dispatch.ts";
import { createOutcomeCommitter } from "./outcome-committer.ts";
import { createSessionQueue } from "./session-queue.ts";

let dir: string;
let store: StateStore;
const clock = createManualClock(Date.UTC(2026, 0, 1));
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imgate-inbound-dispatch-"));
  store = openStateStore({ path: join(dir, "state.db"), logger: silentLogger, clock });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function row(id: number, overrides: Partial<ImsgMessage> = {}): ImsgMessage {
  return {
    id,
    chat_id: 7,
    guid: "G-1",
    sender: "+15550001111",
    is_from_me: false,
    text: "hello",
    created_at: new Date(clock.now()).toISOString(),
    attachments: [],
    reactions: [],
    chat_identifier: "+15550001111",
    chat_guid: "iMessage;-;+15550001111",
    chat_name: "",
    participants: ["+15550001111"],
    is_group: false,
    ...overrides,
  };
}

const group = (id: number, guid: string, text: string) =>
  row(id, {
    guid,
    text,
    chat_id: 42,
    chat_guid: "iMessage;+;chat42",
    chat_identifier: "chat42",
    is_group: true,
    participants: ["+15550001111", "+15550002222"],
  });

/** imsg is never asked: every row names its chat. */
const noImsg = new Proxy({} as ImsgPort, {
  get: () => () => Promise.reject(new Error("imsg is not connected in this test")),
});

/** The gateway's dispatch over a real state store; the turn step records what reaches it. */
function setup(imessage: Record<string, unknown>) {
  const config = parseGatewayConfig({
    channels: { imessage },
    agents: {
      list: [
        { id: "main", default: true, groupChat: { mentionPatterns: ["@bot"] }, backend: { type: "echo" } },
      ],
    },
  });
  const accounts = resolveAccounts(config.channels.imessage);
  const account = accounts[0]!;
  const backend = createSqliteBackend(store);
  const core = createCoreServices(backend, silentLogger);
  const { outbox, pairing, cursors, history } = backend.stores;
  const metrics = createGatewayMetrics();
  const committer = createOutcomeCommitter({
    backend,
    accountId: account.accountId,
    source: account.sourceKey,
    worker: { claimInBatch: async () => false, adoptClaim: () => {}, kick: () => {} },
    logger: silentLogger,
  });
  const turns: GatewayInboundContext[] = [];
  const turn: Middleware<GatewayInboundContext> = async (ctx) => {
    turns.push(ctx);
    ctx.finish(() => {});
    // As the turn runner: the turn ends once its outcome is committed.
    await committer.committed();
  };
  const inFlightGuids = new Set<string>();
  const dispatch = createInboundDispatch({
    account,
    accounts,
    defaultAccountId: account.accountId,
    getConfig: () => config,
    getAgents: () => createAgentRegistry(config),
    core,
    queue: createSessionQueue({ maxConcurrent: 4 }),
    inFlightGuids,
    status: async () => undefined,
    turn,
    processor: createInboundProcessor({
      account,
      port: noImsg,
      echo: createEchoFilter({ logger: silentLogger, clock, rows: core.echo, scope: account.accountId }),
      logger: silentLogger,
    }),
    committer,
    replies: createReplyEnqueuer("imessage", account.accountId),
    metrics,
    noteInbound: () => {},
    logger: silentLogger,
    clock,
  });
  const delivery = { replay: false, receivedAt: clock.now() };
  const dropped = (reason: string) => metrics.messagesDropped.get({ account: account.accountId, reason });
  return {
    pairing,
    cursors,
    history,
    outbox,
    dispatch,
    committer,
    delivery,
    turns,
    dropped,
    inFlightGuids,
    account,
  };
}

describe("inbound dispatch (the gateway's composition of channel-core's pipeline)", () => {
  it("a replayed stranger's DM is dropped before the policy: one pairing request, one code", async () => {
    const { pairing, cursors, outbox, dispatch, committer, delivery, dropped, account } = setup({
      dmPolicy: "pairing",
    });
    await dispatch.handle(row(1), delivery);
    await committer.commitNow();
    await dispatch.handle(row(2), delivery);
    await committer.commitNow();
    expect(pairing.list("imessage")).toHaveLength(1);
    const codes = outbox.list(["queued"]).map((entry) => entry.text);
    expect(codes).toHaveLength(1);
    expect(codes[0]).toMatch(/pairing code is [A-Z0-9]+/);
    expect(dropped("pairing")).toBe(1);
    expect(dropped("duplicate")).toBe(1);
    // Both rows are handled: the cursor moved past them.
    expect(cursors.get(account.accountId, account.sourceKey)).toBe("2");
  });

  it("a replayed unmentioned group message is kept in the group's history once", async () => {
    const { history, dispatch, committer, delivery, dropped, turns } = setup({
      groupPolicy: "open",
      groups: { "*": { requireMention: true } },
    });
    await dispatch.handle(group(1, "G-g1", "just chatting"), delivery);
    await committer.commitNow();
    await dispatch.handle(group(2, "G-g1", "just chatting"), delivery);
    await committer.commitNow();
    expect(turns).toHaveLength(0);
    expect(dropped("no-mention")).toBe(1);
    expect(dropped("duplicate")).toBe(1);
    const sessionKey = "agent:main:imessage:group:42";
    expect(history.load(sessionKey, 10).map((entry) => entry.text)).toEqual(["just chatting"]);
  });

  it("hands a mentioned group message to the turn with its route, answering account and session slot", async () => {
    const { dispatch, delivery, turns, account, inFlightGuids } = setup({
      groupPolicy: "open",
      groups: { "*": { requireMention: true } },
    });
    await dispatch.handle(group(1, "G-g2", "@bot hi"), delivery);
    // A copy arriving while the turn is queued or running is a duplicate.
    await dispatch.handle(group(2, "G-g2", "@bot hi"), delivery);
    await expect.poll(() => turns.length).toBe(1);
    const [ctx] = turns;
    expect(ctx?.route?.sessionKey).toBe("agent:main:imessage:group:42");
    expect(ctx?.answering.accountId).toBe(account.accountId);
    expect(ctx?.target).toBe("chat_id:42");
    expect(ctx?.slot).toBeDefined();
    expect(ctx?.decision).toMatchObject({ kind: "process", wasMentioned: true });
    await expect.poll(() => inFlightGuids.size).toBe(0);
  });
});
