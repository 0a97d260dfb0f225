import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createSimDb, IMSG_BIN, injectMessage, waitFor } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGatewayConfig } from "./config/parse-gateway-config.ts";
import { readinessReportSchema } from "./control-api/control-api-types.ts";
import type { GatewayHandle } from "./gateway.ts";
import { sentFiles, sentTexts } from "./testing/sim-chat.ts";
import { startSimGateway } from "./testing/start-sim-gateway.ts";

const ALLOWED = "+15550001111";
const STRANGER = "+15559998888";
const SELF = "bot@icloud.com";

let dir: string;
let dbPath: string;
let gateway: GatewayHandle;

/** Outbox targets recorded in the gateway's state.db. */
function outboxTargets(): string[] {
  const db = new DatabaseSync(join(dir, "state", "state.db"), { readOnly: true });
  try {
    return (db.prepare("SELECT target FROM outbox ORDER BY id").all() as Array<{ target: string }>).map(
      (row) => row.target,
    );
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "imgate-gateway-sim-"));
  dbPath = createSimDb(dir);
  const config = parseGatewayConfig({
    channels: {
      imessage: {
        cliPath: IMSG_BIN,
        dbPath,
        dmPolicy: "pairing",
        allowFrom: [ALLOWED],
        groupPolicy: "open",
        groups: { "*": { requireMention: true } },
      },
    },
    agents: {
      list: [
        { id: "main", default: true, groupChat: { mentionPatterns: ["@bot"] }, backend: { type: "echo" } },
      ],
    },
    gateway: { http: { host: "127.0.0.1", port: 0 }, shutdownTimeoutMs: 5_000 },
  });
  gateway = await startSimGateway({
    config,
    stateDir: join(dir, "state"),
    self: SELF,
    simEnv: { IMSG_SIM_FAIL_SEND_MATCH: "BOOM-UNCERTAIN" },
  });
});

afterAll(async () => {
  await gateway?.stop();
  // Set in beforeAll: undefined when it failed early; a second error here would hide the first.
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("gateway with imsg-sim", () => {
  it("answers a DM from an allowed sender exactly once, with the echo text, in the same chat", async () => {
    const first = injectMessage(dbPath, { from: ALLOWED, text: "hello gateway", selfHandle: SELF });
    await waitFor(() => (sentTexts(dbPath, first.chatId).length >= 1 ? true : undefined), "the DM reply");
    // A second message in the same chat: once it is answered, the first would have been answered twice by now.
    injectMessage(dbPath, { from: ALLOWED, text: "second", selfHandle: SELF });
    await waitFor(
      () => (sentTexts(dbPath, first.chatId).length >= 2 ? true : undefined),
      "the second DM reply",
    );
    expect(sentTexts(dbPath, first.chatId)).toEqual(["hello gateway", "second"]);
    expect(outboxTargets()).toContain(`chat_id:${first.chatId}`);
  });

  it("gives a stranger a pairing code, listed by the control API and approvable there", async () => {
    const stranger = injectMessage(dbPath, { from: STRANGER, text: "who are you", selfHandle: SELF });
    const reply = await waitFor(() => sentTexts(dbPath, stranger.chatId)[0], "the pairing reply");
    const code = /pairing code is ([A-Z0-9]+)/.exec(reply)?.[1];
    expect(code).toBeDefined();
    expect(reply).not.toContain("who are you");
    const list = (await (await fetch(`${gateway.controlUrl}/v1/pairing`)).json()) as {
      requests: Array<{ code: string; sender: string }>;
    };
    expect(list.requests.map((request) => request.code)).toContain(code);

    const approve = await fetch(`${gateway.controlUrl}/v1/pairing/approve`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code }),
    });
    expect(approve.status).toBe(200);
    expect(((await approve.json()) as { sender: string }).sender).toBe(STRANGER);
    injectMessage(dbPath, { from: STRANGER, text: "now paired", selfHandle: SELF });
    await waitFor(
      () => (sentTexts(dbPath, stranger.chatId).includes("now paired") ? true : undefined),
      "the paired reply",
    );
    expect(sentTexts(dbPath, stranger.chatId)).toEqual([reply, "now paired"]);
  });

  it("ignores a group message without a mention and answers one with a mention in the group by chat_id", async () => {
    const group = { chatIdentifier: "chat424242", group: true, name: "Team", participants: [STRANGER] };
    const quiet = injectMessage(dbPath, { from: ALLOWED, text: "just chatting", selfHandle: SELF, ...group });
    injectMessage(dbPath, { from: ALLOWED, text: "@bot are you there", selfHandle: SELF, ...group });
    await waitFor(() => (sentTexts(dbPath, quiet.chatId).length >= 1 ? true : undefined), "the group reply");
    expect(sentTexts(dbPath, quiet.chatId)).toEqual(["@bot are you there"]);
    expect(outboxTargets()).toContain(`chat_id:${quiet.chatId}`);
  });

  it("reports readiness and metrics for the account", async () => {
    const status = gateway.status();
    expect(status.accounts[0]).toMatchObject({ accountId: "default", state: "running", transport: "local" });
    const metrics = await (await fetch(`${gateway.controlUrl}/metrics`)).text();
    expect(metrics).toMatch(/imgate_messages_in_total\{account="default"\} \d+/);
    expect(metrics).toContain('imgate_messages_dropped_total{account="default",reason="no-mention"} 1');
  });

  it("sends a local file with POST /v1/send through the outbox and refuses a missing one", async () => {
    const chat = injectMessage(dbPath, { from: ALLOWED, text: "file please", selfHandle: SELF });
    await waitFor(
      () => (sentTexts(dbPath, chat.chatId).includes("file please") ? true : undefined),
      "the echo",
    );
    const file = join(dir, "notes.txt");
    writeFileSync(file, "some notes");
    const post = (body: object) =>
      fetch(`${gateway.controlUrl}/v1/send`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const response = await post({ target: `chat_id:${chat.chatId}`, file });
    expect(response.status).toBe(200);
    await waitFor(
      () => (sentFiles(dbPath, chat.chatId).includes("notes.txt") ? true : undefined),
      "the file",
    );

    const missing = await post({ target: `chat_id:${chat.chatId}`, file: join(dir, "nope.txt") });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain("not a readable regular file");
    const relative = await post({ target: `chat_id:${chat.chatId}`, file: "notes.txt" });
    expect(relative.status).toBe(400);
    const empty = await post({ target: `chat_id:${chat.chatId}` });
    expect(empty.status).toBe(400);
  });

  it("gives up a delivery that stays uncertain, reports it in /readyz, and does not block the chat", async () => {
    const target = "+15550007777";
    const post = (text: string) =>
      fetch(`${gateway.controlUrl}/v1/send`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ target, text }),
      });
    expect((await post("BOOM-UNCERTAIN first")).status).toBe(202);
    const report = await waitFor(async () => {
      // Parsed with the schema the CLI reads it with: the real report must match it.
      const body = readinessReportSchema.parse(await (await fetch(`${gateway.controlUrl}/readyz`)).json());
      return body.accounts[0]?.uncertainDeliveries === 1 ? body.accounts[0] : undefined;
    }, "the uncertain delivery to be reported");
    expect(report.uncertainAdvice).toContain("imgate send");
    expect((await post("second, after the uncertain one")).status).toBe(200);
    await waitFor(() => {
      const db = new DatabaseSync(dbPath, { readOnly: true });
      try {
        const row = db
          .prepare("SELECT count(*) AS n FROM message WHERE is_from_me = 1 AND text = ?")
          .get("second, after the uncertain one") as { n: number };
        return row.n === 1 ? true : undefined;
      } finally {
        db.close();
      }
    }, "the next message to the same target");
    const outbox = new DatabaseSync(join(dir, "state", "state.db"), { readOnly: true });
    try {
      const rows = outbox
        .prepare("SELECT state, attempts FROM outbox WHERE text = ?")
        .all("BOOM-UNCERTAIN first");
      expect(rows).toEqual([{ state: "failed", attempts: 1 }]);
    } finally {
      outbox.close();
    }
  });
});
