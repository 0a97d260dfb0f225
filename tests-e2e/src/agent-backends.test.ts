import { writeFileSync } from "node:fs";
import { createWebhookVerifier } from "@imgate/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COMPAT_MODES,
  createWorkspace,
  type GatewayProcess,
  type LoopbackServer,
  type ReceivedRequest,
  sendJson,
  startGateway,
  startLoopbackServer,
  type Workspace,
  waitFor,
} from "./harness/index.ts";

const ALICE = "+15550001111"; // → openai
const BOB = "+15550002222"; // → webhook
const CAROL = "+15550003333"; // → exec
const API_KEY = "sk-test-not-a-real-key";
const SECRET = "webhook-secret-for-tests";

/** An exec agent: hangs on "hang", else answers `exec: <text>`. */
const EXEC_AGENT = `
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const turn = JSON.parse(input);
  if (turn.text.includes("hang")) setInterval(() => {}, 1000);
  else process.stdout.write(JSON.stringify({ text: "exec: " + turn.text }));
});
`;

interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
}

describe.each(COMPAT_MODES)("agent backends over loopback (imsg %s)", (compat) => {
  let workspace: Workspace;
  let openai: LoopbackServer;
  let webhook: LoopbackServer;
  const rejections: string[] = [];
  let gateway: GatewayProcess;

  beforeAll(async () => {
    workspace = createWorkspace();
    const script = workspace.path("exec-agent.mjs");
    writeFileSync(script, EXEC_AGENT);
    openai = await startLoopbackServer((request, response, index) => {
      sendJson(response, 200, {
        id: `chatcmpl-${index}`,
        object: "chat.completion",
        model: (JSON.parse(request.body) as ChatRequest).model,
        choices: [
          { index: 0, message: { role: "assistant", content: `answer ${index + 1}` }, finish_reason: "stop" },
        ],
      });
    });
    const verifier = createWebhookVerifier({ secret: SECRET });
    webhook = await startLoopbackServer((request, response) => {
      try {
        verifier.verify(request);
      } catch (error) {
        rejections.push((error as Error).message);
        return sendJson(response, 401, { error: "bad signature" });
      }
      const turn = JSON.parse(request.body) as { text: string };
      sendJson(response, 200, { text: `hook: ${turn.text}` });
    });
    gateway = await startGateway({
      compat,
      workspace,
      env: { TEST_OPENAI_KEY: API_KEY, TEST_WEBHOOK_SECRET: SECRET },
      config: {
        channels: { imessage: { dmPolicy: "allowlist", allowFrom: [ALICE, BOB, CAROL] } },
        // A timed-out turn is given up at once here (durable retries: agent-failures.test.ts).
        messages: { agentRetryMs: 0, agentFailureReply: "Sorry, no answer." },
        agents: {
          list: [
            { id: "main", default: true, backend: { type: "echo" } },
            {
              id: "gpt",
              backend: {
                type: "openai",
                baseUrl: `${openai.url}/v1`,
                model: "test-model-1",
                apiKeyEnv: "TEST_OPENAI_KEY",
                system: "You are a terse test bot.",
                maxRetries: 0,
              },
            },
            {
              id: "hook",
              backend: { type: "webhook", url: `${webhook.url}/turn`, secretEnv: "TEST_WEBHOOK_SECRET" },
            },
            { id: "slow", backend: { type: "exec", command: [process.execPath, script], timeoutMs: 1_000 } },
          ],
        },
        bindings: [
          { agentId: "gpt", match: { channel: "imessage", peer: { kind: "dm", id: ALICE } } },
          { agentId: "hook", match: { channel: "imessage", peer: { kind: "dm", id: BOB } } },
          { agentId: "slow", match: { channel: "imessage", peer: { kind: "dm", id: CAROL } } },
        ],
      },
    });
  });
  afterAll(async () => {
    await gateway?.dispose();
    await openai?.close();
    await webhook?.close();
    workspace?.dispose();
  });

  it("openai: sends model, system prompt and the session history; the reply reaches the chat", async () => {
    const first = gateway.inject({ from: ALICE, text: "first question" });
    await waitFor(() => gateway.outgoing(first.chatId).length === 1, { what: "the first openai answer" });
    gateway.inject({ from: ALICE, text: "second question" });
    await waitFor(() => gateway.outgoing(first.chatId).length === 2, { what: "the second openai answer" });
    expect(gateway.outgoing(first.chatId)).toEqual(["answer 1", "answer 2"]);

    expect(openai.requests).toHaveLength(2);
    const [one, two] = openai.requests as [ReceivedRequest, ReceivedRequest];
    expect(two.method).toBe("POST");
    expect(two.url).toBe("/v1/chat/completions");
    expect(two.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const body = JSON.parse(two.body) as ChatRequest;
    expect(body.model).toBe("test-model-1");
    expect(body.messages[0]).toEqual({ role: "system", content: "You are a terse test bot." });
    expect(body.messages.slice(1, -1)).toEqual([
      { role: "user", content: expect.stringContaining("first question") },
      { role: "assistant", content: "answer 1" },
    ]);
    expect(body.messages.at(-1)).toMatchObject({
      role: "user",
      content: expect.stringContaining("second question"),
    });
    expect((JSON.parse(one.body) as ChatRequest).messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(gateway.stdout).not.toContain(API_KEY);
  });

  it("webhook: every call carries a signature the receiver verifies; the reply reaches the chat", async () => {
    const message = gateway.inject({ from: BOB, text: "ping the hook" });
    await waitFor(() => gateway.outgoing(message.chatId).length === 1, { what: "the webhook answer" });
    expect(gateway.outgoing(message.chatId)).toEqual(["hook: ping the hook"]);
    expect(rejections).toEqual([]);
    const call = webhook.requests[0] as ReceivedRequest;
    expect(JSON.parse(call.body)).toMatchObject({ sender: BOB, chatType: "direct", text: "ping the hook" });
    // The signature is bound to the secret: another secret refuses the very same request.
    expect(() => createWebhookVerifier({ secret: "another-secret" }).verify(call)).toThrow(/does not match/);
  });

  it("exec: a timed-out turn gets the failure reply; the gateway stays up and answers the next message", async () => {
    const hung = gateway.inject({ from: CAROL, text: "hang please" });
    const failure = await gateway.waitForLog((line) => line.agentId === "slow" && line.level >= 40, {
      what: "the exec turn to fail with a timeout",
    });
    expect(JSON.stringify(failure)).toMatch(/time/i);
    gateway.inject({ from: CAROL, text: "are you there" });
    await waitFor(() => gateway.outgoing(hung.chatId).length >= 2, { what: "the next exec answer" });
    expect(gateway.outgoing(hung.chatId)).toEqual(["Sorry, no answer.", "exec: are you there"]);
    expect(gateway.running).toBe(true);
  });
});
