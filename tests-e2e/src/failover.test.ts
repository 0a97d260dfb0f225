/**
 * Issue 16, "Real parts": two gateway PROCESSES for the same account on one shared PostgreSQL database and one
 * chat.db (imsg-sim). The first holds the account's lease and serves it; the second stands by. Killing the holder
 * (SIGKILL, mid-stream) hands the account to the standby within 30 s, and every message is answered exactly
 * once, in its chat, in order — the chaos proof's audit, across two processes. Two watchers on one Messages
 * database answering both is a real failure of the original gateway (openclaw#65141: one ping, two pongs).
 */
import { type PostgresHarness, startPostgres } from "@imgate/state-postgres/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowlistConfig } from "./harness/allowlist-config.ts";
import {
  auditReplies,
  COMPAT_MODES,
  type Compat,
  expectExactlyOnce,
  type GatewayProcess,
  isStandingBy,
  LEASE_ACQUIRED,
  type LogLine,
  readOutgoingRows,
  sharedStateGateway,
  startGateway,
  statusLeases,
  waitFor,
} from "./harness/index.ts";
import { printProofTable } from "./proof/proof-table.ts";
import { proofSeed, seededRandom } from "./proof/seeded-random.ts";

/** The requirement: a standby takes over within 30 s after the holder died. */
const TAKEOVER_LIMIT_MS = 30_000;
const MESSAGES = 200;
const CHATS = 10;
/** Unanswered messages kept in flight, so the kill lands mid-stream. */
const WINDOW = 30;
const BATCH = 10;

let pg: PostgresHarness | undefined;
const started: GatewayProcess[] = [];
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  await Promise.all(started.map((gateway) => gateway.dispose()));
  await pg?.stop();
});

async function launch(options: Parameters<typeof startGateway>[0]): Promise<GatewayProcess> {
  const gateway = await startGateway(options);
  started.push(gateway);
  return gateway;
}

interface Pair {
  holder: GatewayProcess;
  standby: GatewayProcess;
}

/**
 * A fresh database, the holder (started first: it takes the lease and subscribes its watch) and the standby on
 * the holder's chat.db with its own workspace, state dir and control port, standing by.
 */
async function startPair(compat: Compat, config: object, ttlMs?: number): Promise<Pair> {
  const databaseUrl = await (pg as PostgresHarness).createDatabase();
  const shared = { databaseUrl, ...(ttlMs ? { ttlMs } : {}) };
  const holder = await launch(sharedStateGateway(shared, { compat, config, readyTimeoutMs: 60_000 }));
  await holder.waitForLog((line) => line.msg === LEASE_ACQUIRED, { what: "the holder's lease" });
  const standby = await launch(
    sharedStateGateway(shared, { compat, config, dbPath: holder.dbPath, waitReady: false }),
  );
  await standby.waitForLog(isStandingBy, { what: "the standby to stand by", timeoutMs: 60_000 });
  return { holder, standby };
}

/** The standby's "lease acquired" line, once it took over. */
const waitForTakeover = (standby: GatewayProcess): Promise<LogLine> =>
  standby.waitForLog((line) => line.msg === LEASE_ACQUIRED, {
    what: "the standby to take the lease",
    timeoutMs: 60_000,
  });

interface Planned {
  text: string;
  from: string;
  group?: { identifier: string; name: string; members: string[] };
  chatId?: number;
  allowed: true;
}

function phone(index: number): string {
  return `+1555${String(200_0000 + index).slice(-7)}`;
}

/** 200 allowed messages over 10 chats (every fifth a group of two), seeded. */
function plan(seed: number): Planned[] {
  const rng = seededRandom(seed);
  const chats = Array.from({ length: CHATS }, (_, c) =>
    c % 5 === 4
      ? {
          members: [phone(c * 10 + 1), phone(c * 10 + 2)],
          group: { identifier: `chat${800_000 + c}`, name: `Failover ${c}` },
        }
      : { members: [phone(c * 10 + 1)] },
  );
  return Array.from({ length: MESSAGES }, (_, i) => {
    const chat = rng.pick(chats);
    return {
      text: `failover ${seed} #${i}`,
      from: rng.pick(chat.members),
      ...(chat.group ? { group: { ...chat.group, members: chat.members } } : {}),
      allowed: true as const,
    };
  });
}

function allowlist(planned: readonly Planned[]): object {
  return allowlistConfig([...new Set(planned.map((p) => p.from))]);
}

describe.each(COMPAT_MODES)("failover between two gateway processes (imsg %s)", (compat) => {
  it("SIGKILL of the lease holder mid-stream: the standby takes over within 30 s, and 200 messages are answered exactly once, in their chats, in order", async () => {
    const seed = proofSeed();
    const rng = seededRandom(seed ^ 0x5eed);
    const planned = plan(seed);
    const { holder, standby } = await startPair(compat, allowlist(planned));

    // Who serves: the holder, as `imgate status --json` reads it from the database on either config.
    for (const gateway of [holder, standby]) {
      const leases = await statusLeases(gateway);
      expect(leases.ok && leases.accounts).toMatchObject([
        { accountId: "default", configured: true, live: true, holder: { pid: holder.pid } },
      ]);
    }

    const killAt = rng.int(40, 100);
    let injected = 0;
    let answered = 0;
    let killedAt: number | undefined;
    let unansweredAtKill = 0;
    let answeredAtKill = 0;
    let injectedWhileDown = 0;
    const injectBatch = (into: GatewayProcess) => {
      for (const p of planned.slice(injected, injected + BATCH)) {
        p.chatId = into.inject({
          from: p.from,
          text: p.text,
          ...(p.group
            ? {
                chatIdentifier: p.group.identifier,
                group: true,
                name: p.group.name,
                participants: p.group.members,
              }
            : {}),
        }).chatId;
        injected++;
        if (killedAt !== undefined && !standby.logs().some((line) => line.msg === LEASE_ACQUIRED))
          injectedWhileDown++;
      }
    };
    const countAnswered = async () => {
      const texts = new Set((await readOutgoingRows(holder.dbPath)).map((row) => row.text));
      return planned.filter((p) => texts.has(p.text)).length;
    };

    await waitFor(
      async () => {
        answered = await countAnswered();
        if (killedAt === undefined && answered >= killAt) {
          // Both were running until now: the standby took nothing and watched nothing.
          const standbyLog = standby.logs().map((line) => line.msg);
          expect(standbyLog).not.toContain(LEASE_ACQUIRED);
          expect(standbyLog).not.toContain("imsg watch subscribed");
          answeredAtKill = answered;
          unansweredAtKill = injected - answered;
          killedAt = Date.now();
          await holder.kill("SIGKILL");
        }
        if (injected === planned.length) return answered >= planned.length;
        // Before the kill, injection waits at the kill point plus a window: the kill lands with messages in
        // flight however fast the holder answers. After it, the rest arrive while nobody (then the standby) serves.
        const limit = killedAt === undefined ? killAt + WINDOW : planned.length;
        if (injected < limit && injected - answered < WINDOW) injectBatch(holder);
        return false;
      },
      { what: "every message answered", timeoutMs: 180_000 },
    );

    const takeover = await waitForTakeover(standby);
    const takeoverMs = (takeover.time as number) - (killedAt as number);
    // Final counts: stop the new holder, so nothing can be sent after the audit reads the chat.db.
    await standby.stop();
    const audit = auditReplies(planned, await readOutgoingRows(holder.dbPath));
    printProofTable(`failover (imsg ${compat}, seed ${seed})`, [
      ["messages injected", injected],
      ["answered before the kill", answeredAtKill],
      ["unanswered at the kill (in flight)", unansweredAtKill],
      ["injected while no gateway served", injectedWhileDown],
      ["outgoing rows", audit.outgoingRows],
      ["answered exactly once", audit.answeredOnce],
      ["missing", audit.missing.length],
      ["duplicates", audit.duplicates.length],
      ["misplaced (wrong chat)", audit.misplaced.length],
      ["chats out of order", audit.outOfOrderChats.length],
      ["takeover after the kill (ms)", takeoverMs],
    ]);
    expect(unansweredAtKill).toBeGreaterThan(0);
    expect(takeoverMs).toBeGreaterThanOrEqual(0);
    expect(takeoverMs).toBeLessThan(TAKEOVER_LIMIT_MS);
    expectExactlyOnce(audit);
    expect(audit.allowed).toBe(MESSAGES);

    // The new holder, on either config (the dead holder's too: status reads the database, not a gateway).
    for (const gateway of [holder, standby]) {
      const leases = await statusLeases(gateway);
      expect(leases.ok && leases.accounts[0]?.holder?.pid).toBe(standby.pid);
    }
  }, 300_000);
});

describe("two gateway processes, one account (imsg 0.15)", () => {
  it("a clean SIGTERM of the holder releases the lease: the standby takes it on its next try, before it would have expired, and answers", async () => {
    // The default ttl (15 s, tried every 5 s): a released lease is taken on the standby's next try, at least 5 s
    // before the holder's last renewal would have run out.
    const { holder, standby } = await startPair(
      "0.15",
      { channels: { imessage: { dmPolicy: "open", allowFrom: ["*"] } } },
      15_000,
    );
    const first = holder.inject({ from: "+15550007001", text: "before the stop" });
    await waitFor(() => holder.outgoing(first.chatId).length === 1, { what: "the holder's reply" });

    const before = await statusLeases(standby);
    const expiresInMs = before.ok ? before.accounts[0]?.expiresInMs : undefined;
    const readAt = Date.now();
    const exit = await holder.stop();
    expect(exit?.code).toBe(0);
    expect(holder.logs().map((line) => line.msg)).toContain("account lease released");
    const takeover = await waitForTakeover(standby);
    expect(takeover.time as number).toBeLessThan(readAt + (expiresInMs as number));

    const second = standby.inject({ from: "+15550007001", text: "after the stop" });
    await waitFor(() => standby.outgoing(second.chatId).length === 2, { what: "the standby's reply" });
    await standby.stop();
    expect(standby.outgoing(second.chatId)).toEqual(["before the stop", "after the stop"]);
    const leases = await statusLeases(holder);
    expect(leases.ok && leases.accounts[0]?.holder?.pid).toBe(standby.pid);
  }, 120_000);

  it("a pairing code sent by the holder and approved with `imgate pairing approve` on the standby's config admits the sender on both", async () => {
    const { holder, standby } = await startPair("0.15", { channels: { imessage: { dmPolicy: "pairing" } } });
    const stranger = "+15550007002";
    const hello = holder.inject({ from: stranger, text: "hello" });
    const reply = await waitFor(() => holder.outgoing(hello.chatId)[0], { what: "the pairing reply" });
    const code = /pairing code is ([A-Z0-9]+)/.exec(reply)?.[1];
    expect(code).toMatch(/^[A-Z0-9]{4,}$/);

    // The CLI on the standby's config writes the approval into the shared database itself (no gateway call).
    const approve = await standby.cli(["pairing", "approve", "imessage", code as string, "--json"]);
    expect(approve.code, approve.stderr).toBe(0);
    expect(JSON.parse(approve.stdout)).toMatchObject({ sender: stranger, approved: true });
    for (const gateway of [holder, standby]) {
      const list = await gateway.cli(["pairing", "list", "imessage", "--json"]);
      expect(list.code, list.stderr).toBe(0);
      expect((JSON.parse(list.stdout) as { requests: unknown[] }).requests).toEqual([]);
    }

    const onHolder = holder.inject({ from: stranger, text: "answered by the holder" });
    await waitFor(() => holder.outgoing(onHolder.chatId).includes("answered by the holder"), {
      what: "the holder answering the approved sender",
    });
    await holder.stop();
    await waitForTakeover(standby);
    const onStandby = standby.inject({ from: stranger, text: "answered by the standby" });
    await waitFor(() => standby.outgoing(onStandby.chatId).includes("answered by the standby"), {
      what: "the standby answering the approved sender",
    });
    await standby.stop();
    // One code, then one answer each: no second code, nothing twice (no --notify: no approval notice).
    expect(standby.outgoing(hello.chatId)).toEqual([
      reply,
      "answered by the holder",
      "answered by the standby",
    ]);
  }, 120_000);
});
