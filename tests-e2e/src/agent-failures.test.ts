/**
 * Issue 10, item 2: a failing agent never loses a message. The gateway runs as a child process against
 * imsg-sim; the agent is an OpenAI-compatible server on loopback whose answers each test controls.
 * Reports of the original gateway's users these follow (openclaw/openclaw): #8108 (HTTP 500s for ten
 * minutes, every message went unanswered), #126843 and #115998 (an overloaded provider ends the turn after
 * one attempt, or with no reply and no failure message), #7743 (a connection error needs the user to
 * resend), #39612 (raw provider errors sent to users instead of a friendly sentence), #57425 (messages
 * lost when the gateway restarts mid-run).
 */
import { DEFAULT_AGENT_FAILURE_REPLY } from "@imgate/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COMPAT_MODES,
  type Compat,
  freePort,
  type GatewayProcess,
  type LoopbackServer,
  type ReceivedRequest,
  sendJson,
  startGateway,
  startLoopbackServer,
  waitFor,
} from "./harness/index.ts";

const API_KEY = "sk-test-durable-turns-0123456789";

/** What the fake agent answers: an HTTP status and body (`null`: a normal completion). */
type Answer = { status: number; body: unknown } | null;

/** The token (`tok-…`) a message carries; the fake agent answers `re: <token>`. */
function tokenOf(request: ReceivedRequest): string {
  const messages = (JSON.parse(request.body) as { messages: Array<{ content: string }> }).messages;
  return /tok-[\w-]+/.exec(messages.at(-1)?.content ?? "")?.[0] ?? "?";
}

/**
 * An OpenAI-compatible agent on a fixed loopback port that can be taken down (connections refused) and
 * brought back. `decide(token, attempt)` picks the answer per request; `calls` counts requests per token.
 */
function controllableAgent() {
  let server: LoopbackServer | undefined;
  let port = 0;
  const calls = new Map<string, number>();
  const order: string[] = [];
  const agent = {
    decide: (_token: string, _attempt: number): Answer => null,
    calls,
    /** Tokens in request order (every attempt). */
    order,
    requests: [] as ReceivedRequest[],
    get baseUrl() {
      return `http://127.0.0.1:${port}/v1`;
    },
    async up() {
      if (port === 0) port = await freePort();
      server = await startLoopbackServer(
        (request, response) => {
          const token = tokenOf(request);
          const attempt = (calls.get(token) ?? 0) + 1;
          calls.set(token, attempt);
          order.push(token);
          agent.requests.push(request);
          const answer = agent.decide(token, attempt);
          if (answer) return sendJson(response, answer.status, answer.body);
          sendJson(response, 200, {
            id: `chatcmpl-${order.length}`,
            object: "chat.completion",
            choices: [
              { index: 0, message: { role: "assistant", content: `re: ${token}` }, finish_reason: "stop" },
            ],
          });
        },
        { port },
      );
    },
    async down() {
      if (port === 0) port = await freePort();
      await server?.close();
      server = undefined;
    },
  };
  return agent;
}

const unavailable: Answer = { status: 503, body: { error: { message: "The server is overloaded" } } };

/** Config of a gateway whose default agent is the fake OpenAI server; DMs get a session per sender. */
function agentConfig(baseUrl: string, senders: readonly string[], messages: object = {}) {
  return {
    channels: { imessage: { dmPolicy: "allowlist", allowFrom: senders } },
    session: { dmScope: "per-peer" },
    messages,
    agents: {
      list: [
        {
          id: "main",
          default: true,
          // One HTTP request per gateway attempt: the gateway's own retries are what is tested.
          backend: {
            type: "openai",
            baseUrl,
            model: "test-model",
            apiKeyEnv: "TEST_OPENAI_KEY",
            maxRetries: 0,
          },
        },
      ],
    },
  };
}

/** The readiness report's first account (`GET /readyz`), as `imgate status --json` prints it. */
async function accountReport(gateway: GatewayProcess): Promise<Record<string, unknown>> {
  const body = (await (await fetch(`${gateway.controlUrl}/readyz`)).json()) as {
    accounts: Array<Record<string, unknown>>;
  };
  return body.accounts[0] ?? {};
}

describe.each(COMPAT_MODES)("a failing agent never loses a message (imsg %s)", (compat: Compat) => {
  const SENDERS = ["+15550100001", "+15550100002", "+15550100003", "+15550100004", "+15550100005"] as const;
  const agent = controllableAgent();
  let gateway: GatewayProcess;

  beforeAll(async () => {
    await agent.up();
    gateway = await startGateway({
      compat,
      env: { TEST_OPENAI_KEY: API_KEY },
      // One session at a time: a turn waiting for its retry must still not hold other sessions up.
      config: { ...agentConfig(agent.baseUrl, SENDERS), gateway: { maxConcurrentSessions: 1 } },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    await agent.down();
  });

  it("(a) HTTP 503 twice, then an answer: the message is answered exactly once", async () => {
    agent.decide = (token, attempt) => (token === "tok-a1" && attempt <= 2 ? unavailable : null);
    const first = gateway.inject({ from: SENDERS[0], text: "tok-a1 are you there?" });
    await waitFor(() => gateway.outgoing(first.chatId).length === 1, { what: "the answer after two 503s" });
    expect(agent.calls.get("tok-a1")).toBe(3);
    // A later message is answered after it: a duplicate of the first answer would show up before it.
    gateway.inject({ from: SENDERS[0], text: "tok-a2 still there?" });
    await waitFor(() => gateway.outgoing(first.chatId).length === 2, { what: "the next answer" });
    expect(gateway.outgoing(first.chatId)).toEqual(["re: tok-a1", "re: tok-a2"]);
    expect(await gateway.metric("imgate_agent_turns_pending")).toBe(0);
  });

  for (const signal of ["SIGKILL", "SIGTERM"] as const) {
    it(`(b) agent down (connection refused) across a gateway ${signal}: answered once after it comes back`, {
      timeout: 90_000,
    }, async () => {
      const from = signal === "SIGKILL" ? SENDERS[1] : SENDERS[2];
      const token = `tok-b-${signal.toLowerCase()}`;
      agent.decide = () => null;
      await agent.down();
      const message = gateway.inject({ from, text: `${token} hello?` });
      // Durable: the turn is in the state store (the readiness report reads it from there).
      await waitFor(async () => ((await accountReport(gateway)).pendingTurns as number | undefined) === 1, {
        what: "the failing turn to be stored as pending",
      });
      const exit = await gateway.kill(signal);
      if (signal === "SIGTERM") expect(exit.code).toBe(0);
      expect(gateway.outgoing(message.chatId)).toEqual([]);

      await agent.up();
      await gateway.restart();
      await waitFor(() => gateway.outgoing(message.chatId).length === 1, {
        what: "the answer after the restart",
        timeoutMs: 40_000,
      });
      gateway.inject({ from, text: `${token}-next and now?` });
      await waitFor(() => gateway.outgoing(message.chatId).length === 2, { what: "the next answer" });
      expect(gateway.outgoing(message.chatId)).toEqual([`re: ${token}`, `re: ${token}-next`]);
      expect(agent.calls.get(token)).toBe(1);
    });
  }

  it("(f) a session's later message waits behind its retrying turn; another session is answered meanwhile", async () => {
    let healthy = false;
    agent.decide = (token) => (token === "tok-f-a1" && !healthy ? unavailable : null);
    const a1 = gateway.inject({ from: SENDERS[3], text: "tok-f-a1 first" });
    await waitFor(() => (agent.calls.get("tok-f-a1") ?? 0) >= 1, { what: "the first failing attempt" });
    gateway.inject({ from: SENDERS[3], text: "tok-f-a2 second" });
    const b = gateway.inject({ from: SENDERS[4], text: "tok-f-b other chat" });
    await waitFor(() => gateway.outgoing(b.chatId).length === 1, { what: "the other session's answer" });
    await waitFor(() => (agent.calls.get("tok-f-a1") ?? 0) >= 2, { what: "a retry of the failing turn" });
    expect(gateway.outgoing(b.chatId)).toEqual(["re: tok-f-b"]);
    expect(gateway.outgoing(a1.chatId)).toEqual([]);
    expect(agent.calls.get("tok-f-a2")).toBeUndefined();
    const status = await gateway.cli(["status"]);
    expect(status.stdout).toMatch(
      /agent turns pending retry: 1 — oldest from \+15550100004 \(\d+ attempt\(s\), next at /,
    );

    healthy = true;
    await waitFor(() => gateway.outgoing(a1.chatId).length === 2, { what: "both answers in the first chat" });
    expect(gateway.outgoing(a1.chatId)).toEqual(["re: tok-f-a1", "re: tok-f-a2"]);
    // The second turn reached the agent only after the first was answered, and saw that answer.
    expect(agent.order.indexOf("tok-f-a2")).toBeGreaterThan(agent.order.lastIndexOf("tok-f-a1"));
    const second = agent.requests.find((request) => tokenOf(request) === "tok-f-a2") as ReceivedRequest;
    expect(JSON.parse(second.body).messages).toContainEqual({ role: "assistant", content: "re: tok-f-a1" });
  });
});

describe("a turn that is given up (imsg 0.15)", () => {
  const SENDERS = ["+15550200001", "+15550200002", "+15550200003"] as const;
  const agent = controllableAgent();
  let gateway: GatewayProcess;

  beforeAll(async () => {
    await agent.up();
    gateway = await startGateway({
      env: { TEST_OPENAI_KEY: API_KEY },
      config: agentConfig(agent.baseUrl, SENDERS, { agentRetryMs: 3_000 }),
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    await agent.down();
  });

  it("(c) HTTP 400: one failure reply, the upstream body logged without the API key, counted, listed by status", async () => {
    agent.decide = (token) =>
      token === "tok-c1"
        ? { status: 400, body: { error: { message: `Invalid model test-model for key ${API_KEY}` } } }
        : null;
    const message = gateway.inject({ from: SENDERS[0], text: "tok-c1 hi" });
    await waitFor(() => gateway.outgoing(message.chatId).length === 1, { what: "the failure reply" });
    expect(gateway.outgoing(message.chatId)).toEqual([DEFAULT_AGENT_FAILURE_REPLY]);
    expect(agent.calls.get("tok-c1")).toBe(1);

    const line = await gateway.waitForLog(
      (entry) => typeof entry.upstreamBody === "string" && entry.level >= 50,
      {
        what: "the given-up turn's log line",
      },
    );
    expect(line).toMatchObject({ reason: "non-retryable", agentId: "main" });
    expect(line.upstreamBody).toContain("Invalid model test-model for key [Redacted]");
    expect(gateway.stdout).not.toContain(API_KEY);
    expect(
      await gateway.metric("imgate_agent_turns_given_up_total", {
        account: "default",
        agent: "main",
        reason: "non-retryable",
      }),
    ).toBe(1);

    const status = await gateway.cli(["status", "--json"]);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as { readiness: { accounts: Array<Record<string, unknown>> } };
    expect(report.readiness.accounts[0]?.givenUpTurns).toEqual([
      expect.objectContaining({
        agentId: "main",
        sender: SENDERS[0],
        reason: "non-retryable",
        attempts: 1,
        lastError: expect.stringContaining("HTTP 400"),
      }),
    ]);
    const text = await gateway.cli(["status"]);
    expect(text.stdout).toMatch(
      /agent turns given up: 1 recent — latest from \+15550200001 \(non-retryable, /,
    );

    // Exactly once: the next message is answered normally, with nothing sent twice before it.
    gateway.inject({ from: SENDERS[0], text: "tok-c2 again" });
    await waitFor(() => gateway.outgoing(message.chatId).length === 2, { what: "the next answer" });
    expect(gateway.outgoing(message.chatId)).toEqual([DEFAULT_AGENT_FAILURE_REPLY, "re: tok-c2"]);
  });

  it("(e) retry window over (agentRetryMs 3000): the failure reply is sent once", async () => {
    agent.decide = (token) => (token === "tok-e1" ? unavailable : null);
    const message = gateway.inject({ from: SENDERS[1], text: "tok-e1 hello" });
    await waitFor(() => gateway.outgoing(message.chatId).length === 1, { what: "the failure reply" });
    expect(gateway.outgoing(message.chatId)).toEqual([DEFAULT_AGENT_FAILURE_REPLY]);
    expect(agent.calls.get("tok-e1")).toBeGreaterThanOrEqual(2);
    expect(
      await gateway.metric("imgate_agent_turns_given_up_total", { account: "default", reason: "window" }),
    ).toBe(1);
    gateway.inject({ from: SENDERS[1], text: "tok-e2 again" });
    await waitFor(() => gateway.outgoing(message.chatId).length === 2, { what: "the next answer" });
    expect(gateway.outgoing(message.chatId)).toEqual([DEFAULT_AGENT_FAILURE_REPLY, "re: tok-e2"]);
  });

  it('(d) agentFailureReply "": a given-up turn sends nothing', async () => {
    const before = await gateway.metric("imgate_agent_turns_given_up_total", {
      account: "default",
      reason: "non-retryable",
    });
    gateway.updateConfig({ messages: { agentFailureReply: "" } });
    await gateway.waitForLog((entry) => entry.msg === "config reloaded", { what: "the config reload" });
    agent.decide = (token) => (token === "tok-d1" ? { status: 401, body: { error: "bad key" } } : null);
    const message = gateway.inject({ from: SENDERS[2], text: "tok-d1 hi" });
    await waitFor(
      async () =>
        (await gateway.metric("imgate_agent_turns_given_up_total", {
          account: "default",
          reason: "non-retryable",
        })) ===
        before + 1,
      { what: "the turn to be given up" },
    );
    gateway.inject({ from: SENDERS[2], text: "tok-d2 again" });
    await waitFor(() => gateway.outgoing(message.chatId).length >= 1, { what: "the next answer" });
    expect(gateway.outgoing(message.chatId)).toEqual(["re: tok-d2"]);
  });
});
