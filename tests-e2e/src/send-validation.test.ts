/**
 * Issue 10, item 6: a send that cannot be delivered is refused, not "queued" — through a running gateway
 * (control API) and without one (the CLI's one-shot imsg client), against both imsg-sim generations.
 * Also the reports of the original gateway's users that became cases here: openclaw/openclaw#17362 (a hex
 * id behind chat_id: went to chat 2), #125461 (a bare chat row id became the phone "+5"), #89235 (a bare
 * group identifier became a bogus phone number) — each "reported success" while nothing useful was sent.
 */
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPAT_MODES, type GatewayProcess, outgoingCount, startGateway, waitFor } from "./harness/index.ts";

const FRIEND = "+15550001111";
const NEW_RECIPIENT = "+15550002222";
const HEX_GROUP_ID = "7d5297154d5f436d83dbbdf03fcc8fdd";
const FAILING_RECIPIENT = "+15550003333";
const CAROL = "+15550006666";
/** Tests that run the CLI several times (each a node child, maybe with its own imsg) on a shared 2-core box. */
const SEVERAL_RUNS_MS = 90_000;

/** Chats in the stand-in's chat.db (a refused send must not create one). */
function chatCount(dbPath: string): number {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM chat").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** What `imgate send --json` prints: the outcome, or the refusal. */
interface SendJson {
  target: string;
  status: "sent" | "failed" | "uncertain" | "queued" | "refused";
  accountId?: string;
  via?: "gateway" | "imsg";
  outboxIds?: string[];
  error?: { code: string; message: string };
}

describe.each(COMPAT_MODES)("imgate send refuses undeliverable targets (imsg %s)", (compat) => {
  let gateway: GatewayProcess;
  let friendChat: number;

  beforeAll(async () => {
    gateway = await startGateway({
      compat,
      config: { channels: { imessage: { dmPolicy: "disabled" } } },
      // Sends whose text contains BOOM fail inside imsg (also for the CLI's own imsg: same env).
      env: {
        IMSG_SIM_FAIL_SEND_MATCH: "BOOM",
        // The stand-in's Contacts (imsg resolves names there): one Carol, two Danas.
        IMSG_SIM_CONTACTS: `Carol Contact=${CAROL};Dana One=+15550007001;Dana Two=+15550007002`,
      },
    });
    friendChat = gateway.inject({ from: FRIEND, text: "hi there" }).chatId;
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  const send = async (...args: string[]) => {
    const run = await gateway.cli(["send", ...args, "--json"]);
    let json: SendJson | undefined;
    try {
      json = JSON.parse(run.stdout) as SendJson;
    } catch {
      // Left undefined: the assertion on it names the output.
    }
    return { ...run, json };
  };

  describe.each([
    ["with a running gateway", "gateway"],
    ["without a gateway", "imsg"],
  ] as const)("%s", (_label, via) => {
    beforeAll(async () => {
      if (via === "imsg") await gateway.stop();
    });

    it.each([
      ["chat_id:abc", /Invalid chat_id "abc".*digits only/],
      ["foo:bar", /Unknown prefix "foo:" in target "foo:bar"; use chat_id:N .*chat_guid:.*chat_identifier:/],
      // openclaw/openclaw#17362: a hex identifier behind chat_id: must not reach chat 2.
      [`chat_id:${HEX_GROUP_ID}`, /digits only/],
      // openclaw/openclaw#125461: a bare chat row id is not the phone number "+5".
      ["5", /"5" is not a phone number: for chat 5 write chat_id:5/],
    ] as const)(
      "%s: exit 2, a JSON refusal naming the accepted forms, nothing sent",
      async (target, message) => {
        const chats = chatCount(gateway.dbPath);
        const sent = outgoingCount(gateway.dbPath);
        const run = await send(target, "hello");
        expect(run.code, `${run.stdout}${run.stderr}`).toBe(2);
        expect(run.json).toMatchObject({ target, status: "refused", error: { code: "invalid_target" } });
        expect(run.json?.error?.message).toMatch(message);
        expect(chatCount(gateway.dbPath)).toBe(chats);
        expect(outgoingCount(gateway.dbPath)).toBe(sent);
      },
    );

    it("without --json the refusal is one line on stderr and nothing claims it was queued", async () => {
      const human = await gateway.cli(["send", "foo:bar", "hello"]);
      expect(human.code).toBe(2);
      expect(human.stderr).toMatch(/^imgate: Unknown prefix "foo:"/);
      expect(human.stdout).toBe("");
    });

    it(
      "an unknown chat: exit 1, chat_not_found, nothing sent",
      async () => {
        const sent = outgoingCount(gateway.dbPath);
        const run = await send("chat_id:999", "hello");
        expect(run.code, run.stdout + run.stderr).toBe(1);
        expect(run.json).toMatchObject({ status: "refused", error: { code: "chat_not_found" } });
        expect(run.json?.error?.message).toMatch(/No chat chat_id:999 .*imgate chats/);
        const guid = await send("chat_guid:iMessage;+;chat404", "hello");
        expect(guid.code).toBe(1);
        expect(guid.json?.error?.code).toBe("chat_not_found");
        expect(outgoingCount(gateway.dbPath)).toBe(sent);
      },
      SEVERAL_RUNS_MS,
    );

    it(
      "a contact name imsg cannot resolve: exit 1 with imsg's -32602 explained, and no chat created",
      async () => {
        const chats = chatCount(gateway.dbPath);
        const run = await send("not a handle", "hello");
        expect(run.code, run.stdout + run.stderr).toBe(1);
        expect(run.json).toMatchObject({ status: "failed", via, error: { code: "contact_unresolved" } });
        expect(run.json?.error?.message).toMatch(
          /imsg could not resolve the contact name "not a handle" \(.*-32602.*\)\. Send to a phone number or email/,
        );
        // openclaw/openclaw#89235: a pasted group identifier is not a person either; the fix is named.
        const hex = await gateway.cli(["send", HEX_GROUP_ID, "hello"]);
        expect(hex.code).toBe(1);
        expect(hex.stderr).toMatch(/could not resolve the contact name/);
        expect(hex.stderr).toContain(`write chat_identifier:${HEX_GROUP_ID}`);
        expect(chatCount(gateway.dbPath)).toBe(chats);
      },
      SEVERAL_RUNS_MS,
    );

    it(
      "a contact name with one match is sent; an ambiguous one is refused by imsg with the matches listed",
      async () => {
        const carol = await send("Carol", `hi carol via ${via}`);
        expect(carol.code, carol.stdout + carol.stderr).toBe(0);
        expect(carol.json).toMatchObject({ status: "sent", via });
        const dana = await send("dana", "hi dana");
        expect(dana.code).toBe(1);
        expect(dana.json).toMatchObject({ status: "failed", error: { code: "contact_unresolved" } });
        expect(dana.json?.error?.message).toMatch(
          /Multiple contacts match "dana":\n {2}Dana One: \+15550007001/,
        );
        const db = new DatabaseSync(gateway.dbPath, { readOnly: true });
        try {
          const chats = db.prepare("SELECT chat_identifier AS id FROM chat").all() as { id: string }[];
          const identifiers = chats.map((row) => row.id);
          // Carol's chat, once; none for either Dana.
          expect(identifiers.filter((id) => id === CAROL)).toEqual([CAROL]);
          expect(identifiers.filter((id) => id.startsWith("+1555000700"))).toEqual([]);
        } finally {
          db.close();
        }
      },
      SEVERAL_RUNS_MS,
    );

    it(
      "a known chat and a new recipient's number are sent: exit 0, status sent",
      async () => {
        const text = `hello via ${via}`;
        const toChat = await send(`chat_id:${friendChat}`, text);
        expect(toChat.code, toChat.stdout + toChat.stderr).toBe(0);
        expect(toChat.json).toMatchObject({ status: "sent", accountId: "default", via });
        if (via === "gateway") expect(toChat.json?.outboxIds).toHaveLength(1);
        expect(gateway.outgoing(friendChat)).toContain(text);
        const fresh = await gateway.cli(["send", NEW_RECIPIENT, `first words via ${via}`]);
        expect(fresh.code, fresh.stderr).toBe(0);
        expect(fresh.stdout).toBe(`Sent to ${NEW_RECIPIENT} (account default, via ${via}).\n`);
      },
      SEVERAL_RUNS_MS,
    );

    it("a send imsg fails is reported with imsg's reason and exit 1, never as queued or sent", async () => {
      const run = await send(FAILING_RECIPIENT, `BOOM via ${via}`, "--timeout", "30");
      expect(run.code, run.stdout + run.stderr).toBe(1);
      if (compat === "0.9") {
        // 0.9: an AppleScript failure (-32603) certainly did not send.
        expect(run.json).toMatchObject({ status: "failed", via, error: { code: "send_failed" } });
        expect(run.json?.error?.message).toMatch(/^Sending to \+15550003333 failed: AppleScript failed/);
      } else {
        // 0.15: -32001 "may have completed": never called sent (or failed) while imsg cannot confirm it.
        expect(run.json).toMatchObject({ status: "uncertain", via, error: { code: "send_uncertain" } });
        expect(run.json?.error?.message).toMatch(/did not confirm|could not confirm/);
      }
    });

    it(
      "--no-wait: queued through a gateway; without one imsg's answer is the outcome",
      async () => {
        const run = await send(`chat_id:${friendChat}`, `no wait via ${via}`, "--no-wait");
        expect(run.code, run.stdout + run.stderr).toBe(0);
        expect(run.json?.status).toBe(via === "gateway" ? "queued" : "sent");
        // --no-wait still checks the target first.
        const bad = await send("chat_id:999", "hello", "--no-wait");
        expect(bad.code).toBe(1);
        expect(bad.json?.error?.code).toBe("chat_not_found");
        const timeout = await send(`chat_id:${friendChat}`, "hello", "--timeout", "0");
        expect(timeout.code).toBe(2);
        expect(timeout.json?.error?.message).toMatch(
          /--timeout must be a number of seconds between 1 and 120/,
        );
      },
      SEVERAL_RUNS_MS,
    );
  });
});

describe("POST /v1/send answers 400/404 before queueing and the outcome after", () => {
  let gateway: GatewayProcess;
  let friendChat: number;

  beforeAll(async () => {
    gateway = await startGateway({ config: { channels: { imessage: { dmPolicy: "disabled" } } } });
    friendChat = gateway.inject({ from: FRIEND, text: "hi there" }).chatId;
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  const post = async (body: object) => {
    const response = await fetch(`${gateway.controlUrl}/v1/send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("refuses malformed targets (400) and unknown chats (404) with the fix in the body", async () => {
    const chats = chatCount(gateway.dbPath);
    const prefix = await post({ target: "foo:bar", text: "x" });
    expect(prefix.status).toBe(400);
    expect(prefix.body).toEqual({
      error: {
        code: "invalid_target",
        message: expect.stringMatching(/^Unknown prefix "foo:" in target "foo:bar"; use chat_id:N/),
      },
    });
    expect((await post({ target: "chat_id:abc", text: "x" })).body).toMatchObject({
      error: { code: "invalid_target" },
    });
    const missing = await post({ target: "chat_id:999", text: "x" });
    expect(missing).toEqual({
      status: 404,
      body: {
        error: {
          code: "chat_not_found",
          message:
            "No chat chat_id:999 on this account; list chats with `imgate chats` and use chat_id:N from there.",
        },
      },
    });
    expect((await post({ target: "x", text: "x", waitMs: -1 })).status).toBe(400);
    expect(chatCount(gateway.dbPath)).toBe(chats);
  });

  it("answers 422 for an unresolvable contact name, 200 sent, and 202 queued with wait:false", async () => {
    const name = await post({ target: "not a handle", text: "x" });
    expect(name.status).toBe(422);
    expect(name.body).toMatchObject({
      accountId: "default",
      status: "failed",
      error: { code: "contact_unresolved", message: expect.stringContaining("-32602") },
    });
    const sent = await post({ target: `chat_id:${friendChat}`, text: "api hello" });
    expect(sent).toMatchObject({ status: 200, body: { status: "sent", accountId: "default" } });
    expect(gateway.outgoing(friendChat)).toContain("api hello");
    const queued = await post({ target: `chat_id:${friendChat}`, text: "api later", wait: false });
    expect(queued).toMatchObject({ status: 202, body: { status: "queued" } });
    expect((queued.body.outboxIds as string[]).length).toBe(1);
  });
});

describe("a send imsg is slow to answer is reported as uncertain, not sent, and still goes out", () => {
  let gateway: GatewayProcess;
  let friendChat: number;

  beforeAll(async () => {
    gateway = await startGateway({
      config: { channels: { imessage: { dmPolicy: "disabled" } } },
      // Each send takes 2 s inside imsg; the caller below waits only 0.2 s of it.
      env: { IMSG_SIM_SEND_DELAY_MS: "2000" },
    });
    friendChat = gateway.inject({ from: FRIEND, text: "hi there" }).chatId;
  });
  afterAll(async () => {
    await gateway?.dispose();
  });

  it("answers 202 uncertain (send_pending) when waitMs passes first", async () => {
    const response = await fetch(`${gateway.controlUrl}/v1/send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ target: `chat_id:${friendChat}`, text: "slow hello", waitMs: 200 }),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      status: "uncertain",
      error: {
        code: "send_pending",
        message: expect.stringMatching(/still in progress|stays in the gateway's outbox/),
      },
    });
    await waitFor(() => gateway.outgoing(friendChat).includes("slow hello"), { what: "the slow send" });
  });
});
