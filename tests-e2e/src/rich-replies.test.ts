/**
 * Issue 13 part B: rich agent replies over imsg-sim. `exec` prints and `webhook` answers
 * `{text, reaction, threaded, files}`; the reaction becomes a tapback on the inbound message, `threaded` an
 * inline reply (`reply_to` → `thread_originator_guid`), files follow the text. Everything goes through the
 * outbox: a threaded reply whose send was written but never confirmed survives a SIGKILL without a second
 * send. Without imsg's bridge, reactions are skipped and threaded replies are plain sends, each logged once.
 * From the original tracker: a threaded reply names the message it answers, not the chat's newest
 * (openclaw/imsg#144, openclaw/openclaw#119289); a file path outside the allowed folders or through a symlink
 * is refused (symlinks: prepare-reply-files.test.ts; openclaw/openclaw#79975 is the opposite failure, a root list
 * too narrow, so roots are configurable).
 * The gateway, imsg-sim and the webhook receiver are real processes / loopback servers.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { readBridgeCalls } from "@imgate/imsg-sim/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createWorkspace,
  type GatewayProcess,
  type LoopbackServer,
  outboxRows,
  sendJson,
  startGateway,
  startLoopbackServer,
  type Workspace,
  waitFor,
} from "./harness/index.ts";

const ALICE = "+15550001111"; // → exec
const BOB = "+15550002222"; // → webhook
const HOLD = "HOLD-ME"; // imsg-sim writes a send with this text and never answers it

/** An exec agent whose reply depends on the message: a rich reply per keyword, else `exec: <text>`. */
const EXEC_AGENT = `
import { existsSync, writeFileSync } from "node:fs";
const [allowedFile, outsideFile, gateDir] = process.argv.slice(2);
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const { text } = JSON.parse(input);
  if (text === "answer the first") {
    // Answers only once the test says a newer message is in the chat.
    writeFileSync(gateDir + "/started", "");
    const poll = setInterval(() => {
      if (!existsSync(gateDir + "/go")) return;
      clearInterval(poll);
      process.stdout.write(JSON.stringify({ text: "threaded to the first", threaded: true }));
    }, 20);
    return;
  }
  const replies = {
    "everything": { text: "exec rich", reaction: "love", threaded: true, files: [allowedFile] },
    "react only": { reaction: "like" },
    "steal": { text: "here it is", files: [outsideFile] },
    "bad reaction": { text: "never sent", reaction: "heart" },
    "not json": null,
    "hold": { text: "threaded ${HOLD}", threaded: true },
  };
  if (text === "not json") process.stdout.write("just some words");
  else process.stdout.write(JSON.stringify(replies[text] ?? { text: "exec: " + text }));
});
`;

/** One row the bot wrote, with what the tests look at. */
interface SentRow {
  rowid: number;
  text: string;
  reactionType: number;
  reactedTo: string;
  threadOriginator: string;
  fileName: string;
}

/** The bot's rows in `chatId` written after ROWID `after`, oldest first. */
function sentRows(dbPath: string, chatId: number, after = 0): SentRow[] {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return db
      .prepare(
        `SELECT m.ROWID AS rowid, IFNULL(m.text, '') AS text, IFNULL(m.associated_message_type, 0) AS reactionType,
           IFNULL(m.associated_message_guid, '') AS reactedTo, IFNULL(m.thread_originator_guid, '') AS threadOriginator,
           IFNULL((SELECT a.transfer_name FROM message_attachment_join maj JOIN attachment a ON a.ROWID = maj.attachment_id
             WHERE maj.message_id = m.ROWID), '') AS fileName
         FROM message m JOIN chat_message_join j ON j.message_id = m.ROWID
         WHERE m.is_from_me = 1 AND j.chat_id = ? AND m.ROWID > ? ORDER BY m.ROWID`,
      )
      .all(chatId, after) as unknown as SentRow[];
  } finally {
    db.close();
  }
}

/** Error messages of the turns the gateway gave up (logged at error with the AgentError). */
function givenUpMessages(gateway: GatewayProcess, reason?: string): string[] {
  return gateway
    .logs({ allRuns: true })
    .filter(
      (line) =>
        line.msg.startsWith("agent turn given up") && (reason === undefined || line.reason === reason),
    )
    .map((line) => (line.err as { message?: string } | undefined)?.message ?? "");
}

/** Files under the gateway's `<stateDir>/outbound` (staged inline files of rich replies). */
function stagedFiles(stateDir: string): string[] {
  const root = join(stateDir, "outbound");
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: "utf8" });
}

/** The highest ROWID in chat.db (rows written later are newer). */
function lastRowid(dbPath: string): number {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return (db.prepare("SELECT IFNULL(MAX(ROWID), 0) AS id FROM message").get() as { id: number }).id;
  } finally {
    db.close();
  }
}

/** Config shared by both gateways: ALICE → exec agent, BOB → webhook agent. */
function richConfig(workspace: Workspace, webhookUrl: string) {
  const allowed = workspace.path("agent-files");
  mkdirSync(allowed, { recursive: true });
  writeFileSync(workspace.path("agent-files/chart.png"), "not really a png");
  writeFileSync(workspace.path("secret.txt"), "do not send");
  mkdirSync(workspace.path("gate"), { recursive: true });
  const script = workspace.path("rich-agent.mjs");
  writeFileSync(script, EXEC_AGENT);
  return {
    // "all": every tapback would become an event turn, so our own coming back must be recognised as an echo.
    channels: { imessage: { dmPolicy: "allowlist", allowFrom: [ALICE, BOB], reactionNotifications: "all" } },
    messages: { agentRetryMs: 0, agentFailureReply: "Sorry, no answer." },
    agents: {
      list: [
        { id: "main", default: true, backend: { type: "echo" } },
        {
          id: "rich-exec",
          backend: {
            type: "exec",
            command: [
              process.execPath,
              script,
              workspace.path("agent-files/chart.png"),
              workspace.path("secret.txt"),
              workspace.path("gate"),
            ],
            timeoutMs: 10_000,
            fileRoots: [allowed],
          },
        },
        {
          id: "rich-hook",
          backend: { type: "webhook", url: `${webhookUrl}/turn`, secretEnv: "RICH_SECRET" },
        },
      ],
    },
    bindings: [
      { agentId: "rich-exec", match: { channel: "imessage", peer: { kind: "dm", id: ALICE } } },
      { agentId: "rich-hook", match: { channel: "imessage", peer: { kind: "dm", id: BOB } } },
    ],
  };
}

/** The webhook receiver: a rich reply with an inline file for "everything", else `hook: <text>`. */
function startRichWebhook(): Promise<LoopbackServer> {
  return startLoopbackServer((request, response) => {
    const { text } = JSON.parse(request.body) as { text: string };
    if (text === "everything") {
      return sendJson(response, 200, {
        text: "hook rich",
        reaction: "laugh",
        threaded: true,
        files: [{ name: "notes.txt", base64: Buffer.from("inline notes").toString("base64") }],
      });
    }
    if (text === "path please") return sendJson(response, 200, { text: "x", files: ["/etc/hosts"] });
    return sendJson(response, 200, { text: `hook: ${text}` });
  });
}

describe("rich agent replies with imsg's bridge (imsg 0.15)", () => {
  let workspace: Workspace;
  let webhook: LoopbackServer;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    workspace = createWorkspace();
    webhook = await startRichWebhook();
    gateway = await startGateway({
      compat: "0.15",
      workspace,
      env: { IMSG_SIM_BRIDGE: "1", IMSG_SIM_HOLD_SEND_MATCH: HOLD, RICH_SECRET: "rich-secret" },
      config: richConfig(workspace, webhook.url),
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    await webhook?.close();
    workspace?.dispose();
  });

  it("exec: reaction, threaded text and a file, in that order, each once", async () => {
    const inbound = gateway.inject({ from: ALICE, text: "everything" });
    await waitFor(() => sentRows(gateway.dbPath, inbound.chatId).some((row) => row.fileName !== ""), {
      what: "the file after the text",
    });
    const rows = sentRows(gateway.dbPath, inbound.chatId);
    expect(rows.map((row) => [row.reactionType, row.text === "\uFFFC" ? "<file>" : row.text])).toEqual([
      [2000, "Loved “everything”"],
      [0, "exec rich"],
      [0, "<file>"],
    ]);
    expect(rows[0]?.reactedTo).toBe(`p:0/${inbound.guid}`);
    expect(rows[1]?.threadOriginator).toBe(inbound.guid);
    expect(rows[2]?.fileName).toBe("chart.png");
    const tapbacks = readBridgeCalls(gateway.dbPath).filter((call) => call.method === "tapback");
    expect(tapbacks).toEqual([expect.objectContaining({ messageGuid: inbound.guid, reaction: "love" })]);
  });

  it("webhook: a laugh tapback, a threaded text and an inline base64 file under its own name", async () => {
    const inbound = gateway.inject({ from: BOB, text: "everything" });
    await waitFor(() => sentRows(gateway.dbPath, inbound.chatId).some((row) => row.fileName !== ""), {
      what: "the inline file",
    });
    const rows = sentRows(gateway.dbPath, inbound.chatId);
    expect(rows.map((row) => row.reactionType)).toEqual([2003, 0, 0]);
    expect(rows[0]?.reactedTo).toBe(`p:0/${inbound.guid}`);
    expect(rows[1]).toMatchObject({ text: "hook rich", threadOriginator: inbound.guid });
    expect(rows[2]?.fileName).toBe("notes.txt");
    // The gateway's staged copy (0600 under the state dir) is removed once the file was sent.
    await waitFor(() => !stagedFiles(gateway.workspace.stateDir).some((path) => path.endsWith("notes.txt")), {
      what: "the staged copy removed",
    });
  });

  it("threads to the message it answers even when a newer one arrived meanwhile (imsg#144 shape)", async () => {
    const after = lastRowid(gateway.dbPath);
    const first = gateway.inject({ from: ALICE, text: "answer the first" });
    await waitFor(() => existsSync(workspace.path("gate/started")), {
      what: "the agent working on the first",
    });
    gateway.inject({ from: ALICE, text: "newer" });
    writeFileSync(workspace.path("gate/go"), "");
    await waitFor(() => sentRows(gateway.dbPath, first.chatId, after).some((r) => r.text === "exec: newer"), {
      what: "the reply to the newer message",
    });
    const rows = sentRows(gateway.dbPath, first.chatId, after);
    expect(rows.map((row) => [row.text, row.threadOriginator])).toEqual([
      ["threaded to the first", first.guid],
      ["exec: newer", ""],
    ]);
  });

  it("a reaction-only reply sends a tapback and no text", async () => {
    const after = lastRowid(gateway.dbPath);
    const inbound = gateway.inject({ from: ALICE, text: "react only" });
    await waitFor(() => readBridgeCalls(gateway.dbPath).some((call) => call.messageGuid === inbound.guid), {
      what: "the like tapback",
    });
    // The chat's next reply goes out after anything else the first one queued (per-chat order).
    gateway.inject({ from: ALICE, text: "ping" });
    await waitFor(
      () => sentRows(gateway.dbPath, inbound.chatId, after).some((r) => r.text === "exec: ping"),
      {
        what: "the next reply",
      },
    );
    const rows = sentRows(gateway.dbPath, inbound.chatId, after);
    expect(rows.map((row) => [row.reactionType, row.reactedTo, row.text])).toEqual([
      [2001, `p:0/${inbound.guid}`, "Liked “react only”"],
      [0, "", "exec: ping"],
    ]);
  });

  it("a reflection of our own tapback (from our own handle, not is_from_me) is an echo, not an event turn", async () => {
    const after = lastRowid(gateway.dbPath);
    const echoesBefore = await gateway.metric("imgate_messages_dropped_total", { reason: "echo" });
    const inbound = gateway.inject({ from: ALICE, text: "react only" });
    await waitFor(() => readBridgeCalls(gateway.dbPath).some((call) => call.messageGuid === inbound.guid), {
      what: "the like tapback",
    });
    gateway.inject({
      from: "me@icloud.com",
      reaction: "like",
      reactedTo: inbound.guid,
      chatIdentifier: ALICE,
    });
    gateway.inject({ from: ALICE, text: "ping" });
    await waitFor(
      () => sentRows(gateway.dbPath, inbound.chatId, after).some((r) => r.text === "exec: ping"),
      {
        what: "the next reply",
      },
    );
    expect(sentRows(gateway.dbPath, inbound.chatId, after).map((row) => row.text)).toEqual([
      "Liked “react only”",
      "exec: ping",
    ]);
    expect(await gateway.metric("imgate_messages_dropped_total", { reason: "echo" })).toBe(echoesBefore + 1);
  });

  it("a file outside backend.fileRoots is refused: nothing of that reply is sent, the failure reply is", async () => {
    const after = lastRowid(gateway.dbPath);
    const inbound = gateway.inject({ from: ALICE, text: "steal" });
    await waitFor(() => sentRows(gateway.dbPath, inbound.chatId, after).length > 0, { what: "an answer" });
    expect(sentRows(gateway.dbPath, inbound.chatId, after).map((row) => row.text)).toEqual([
      "Sorry, no answer.",
    ]);
    expect(
      givenUpMessages(gateway).some((message) => message.includes("outside the agent's backend.fileRoots")),
    ).toBe(true);
  });

  it("an invalid field gives the turn up at once (failure reply), not-JSON is retried like any bad answer", async () => {
    const after = lastRowid(gateway.dbPath);
    const bad = gateway.inject({ from: ALICE, text: "bad reaction" });
    await waitFor(() => sentRows(gateway.dbPath, bad.chatId, after).length > 0, { what: "an answer" });
    expect(sentRows(gateway.dbPath, bad.chatId, after).map((row) => row.text)).toEqual(["Sorry, no answer."]);
    expect(givenUpMessages(gateway, "non-retryable").some((message) => message.includes("reaction"))).toBe(
      true,
    );
    // Not JSON at all stays retryable (given up here only because agentRetryMs is 0: the window is over).
    const garbled = gateway.inject({ from: ALICE, text: "not json" });
    await waitFor(
      () =>
        sentRows(gateway.dbPath, garbled.chatId, after).filter((r) => r.text === "Sorry, no answer.")
          .length === 2,
      { what: "the failure reply to a garbled answer" },
    );
    expect(givenUpMessages(gateway, "window").some((message) => message.includes("did not print JSON"))).toBe(
      true,
    );
    const webhookPath = gateway.inject({ from: BOB, text: "path please" });
    await waitFor(
      () =>
        sentRows(gateway.dbPath, webhookPath.chatId, after).some((row) => row.text === "Sorry, no answer."),
      { what: "the failure reply to a webhook naming a local path" },
    );
    expect(sentRows(gateway.dbPath, webhookPath.chatId, after).map((row) => row.text)).toEqual([
      "Sorry, no answer.",
    ]);
  });

  it("a threaded reply whose send was written but never confirmed survives a SIGKILL, sent once", async () => {
    const after = lastRowid(gateway.dbPath);
    const inbound = gateway.inject({ from: ALICE, text: "hold" });
    const held = `threaded ${HOLD}`;
    // imsg-sim wrote the row and holds the answer: the outbox entry stays `sending`.
    await waitFor(() => sentRows(gateway.dbPath, inbound.chatId, after).some((row) => row.text === held), {
      what: "the held send's row",
    });
    expect(outboxRows(gateway.workspace.stateDir).find((row) => row.text === held)?.state).toBe("sending");
    expect((await gateway.kill("SIGKILL")).signal).toBe("SIGKILL");
    await gateway.restart();
    await waitFor(
      () => outboxRows(gateway.workspace.stateDir).find((row) => row.text === held)?.state === "sent",
      {
        what: "the held send reconciled as sent",
      },
    );
    gateway.inject({ from: ALICE, text: "after" });
    await waitFor(
      () => sentRows(gateway.dbPath, inbound.chatId, after).some((r) => r.text === "exec: after"),
      {
        what: "the next reply",
      },
    );
    const rows = sentRows(gateway.dbPath, inbound.chatId, after);
    expect(rows.map((row) => row.text)).toEqual([held, "exec: after"]);
    expect(rows[0]?.threadOriginator).toBe(inbound.guid);
  });
});

describe.each(["0.9", "0.15"] as const)("rich agent replies without imsg's bridge (imsg %s)", (compat) => {
  let workspace: Workspace;
  let webhook: LoopbackServer;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    workspace = createWorkspace();
    webhook = await startRichWebhook();
    gateway = await startGateway({
      compat,
      workspace,
      env: { RICH_SECRET: "rich-secret" },
      config: richConfig(workspace, webhook.url),
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    await webhook?.close();
    workspace?.dispose();
  });

  it("skips the reaction and sends the threaded text plainly, each logged once; the file still follows", async () => {
    const first = gateway.inject({ from: ALICE, text: "everything" });
    await waitFor(() => sentRows(gateway.dbPath, first.chatId).some((row) => row.fileName !== ""), {
      what: "the file after the text",
    });
    const second = gateway.inject({ from: BOB, text: "everything" });
    await waitFor(() => sentRows(gateway.dbPath, second.chatId).some((row) => row.fileName !== ""), {
      what: "the webhook's file",
    });
    for (const [chatId, text, file] of [
      [first.chatId, "exec rich", "chart.png"],
      [second.chatId, "hook rich", "notes.txt"],
    ] as const) {
      const rows = sentRows(gateway.dbPath, chatId);
      expect(rows.map((row) => [row.reactionType, row.threadOriginator, row.fileName || row.text])).toEqual([
        [0, "", text],
        [0, "", file],
      ]);
    }
    expect(readBridgeCalls(gateway.dbPath)).toEqual([]);
    const skipped = outboxRows(gateway.workspace.stateDir).filter(
      (row) => row.text === "" && row.state === "failed",
    );
    expect(skipped).toHaveLength(2);
    const infos = (start: string) => gateway.logs().filter((line) => line.msg.startsWith(start));
    expect(infos("imessage: imsg does not list `tapback` as usable")).toHaveLength(1);
    expect(infos("imessage: imsg's bridge is not ready")).toHaveLength(1);
  });
});
