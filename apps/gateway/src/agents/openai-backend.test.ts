import { afterEach, describe, expect, it } from "vitest";
import { isGatewayError } from "../errors/gateway-error.ts";
import { type LoopbackServer, startLoopbackServer } from "../testing/loopback-server.ts";
import { sampleTurn } from "../testing/sample-turn.ts";
import { createOpenAIBackend } from "./openai-backend.ts";

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const completion = (content: string) =>
  JSON.stringify({ id: "x", choices: [{ index: 0, message: { role: "assistant", content } }] });

describe("openai backend", () => {
  it("sends model, system, history and body with the API key, and returns the content", async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(completion("hi back"));
    });
    const backend = createOpenAIBackend(
      {
        baseUrl: `${server.url}/v1/`,
        model: "llama3",
        apiKeyEnv: "MY_KEY",
        system: "Be brief.",
        timeoutMs: 5000,
        maxRetries: 0,
      },
      { env: { MY_KEY: "sk-test-123" } },
    );
    const turn = sampleTurn({
      history: [
        { role: "user", text: "earlier", timestamp: 1 },
        { role: "assistant", text: "earlier reply", timestamp: 2 },
      ],
    });
    const reply = await backend.reply(turn, { signal: new AbortController().signal });
    expect(reply.text).toBe("hi back");
    const request = server.requests[0]!;
    expect(request.url).toBe("/v1/chat/completions");
    expect(request.headers.authorization).toBe("Bearer sk-test-123");
    expect(JSON.parse(request.body)).toEqual({
      model: "llama3",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "earlier" },
        { role: "assistant", content: "earlier reply" },
        { role: "user", content: turn.body },
      ],
    });
  });

  it("retries 429 (honouring Retry-After) and 500, then succeeds", async () => {
    server = await startLoopbackServer((_req, res, index) => {
      if (index === 0) res.writeHead(429, { "retry-after": "0" }).end("slow down");
      else if (index === 1) res.writeHead(500).end("oops");
      else res.writeHead(200, { "content-type": "application/json" }).end(completion("third time"));
    });
    const backend = createOpenAIBackend(
      { baseUrl: server.url, model: "m", timeoutMs: 5000, maxRetries: 2 },
      { retryBaseDelayMs: 5 },
    );
    const reply = await backend.reply(sampleTurn(), { signal: new AbortController().signal });
    expect(reply.text).toBe("third time");
    expect(server.requests).toHaveLength(3);
  });

  it("gives up after maxRetries and does not retry a 400", async () => {
    server = await startLoopbackServer((req, res) => {
      res.writeHead(JSON.parse(req.body).model === "bad" ? 400 : 503).end("no");
    });
    const failing = createOpenAIBackend(
      { baseUrl: server.url, model: "m", timeoutMs: 5000, maxRetries: 1 },
      { retryBaseDelayMs: 1 },
    );
    const error = await failing
      .reply(sampleTurn(), { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(isGatewayError(error, "AGENT_FAILED")).toBe(true);
    expect(server.requests).toHaveLength(2);

    const bad = createOpenAIBackend(
      { baseUrl: server.url, model: "bad", timeoutMs: 5000, maxRetries: 3 },
      { retryBaseDelayMs: 1 },
    );
    const badError = await bad
      .reply(sampleTurn(), { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(isGatewayError(badError, "AGENT_FAILED")).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it("times out a server that never answers", async () => {
    server = await startLoopbackServer(() => {
      // never respond
    });
    const backend = createOpenAIBackend({ baseUrl: server.url, model: "m", timeoutMs: 150, maxRetries: 0 });
    const error = await backend
      .reply(sampleTurn(), { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(isGatewayError(error, "AGENT_TIMEOUT")).toBe(true);
  });

  it("rejects a response that is not a chat completion", async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ choices: [] }));
    });
    const backend = createOpenAIBackend({ baseUrl: server.url, model: "m", timeoutMs: 5000, maxRetries: 2 });
    const error = await backend
      .reply(sampleTurn(), { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(isGatewayError(error, "AGENT_BAD_RESPONSE")).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it("stops waiting when the gateway aborts", async () => {
    server = await startLoopbackServer(() => {});
    const backend = createOpenAIBackend({
      baseUrl: server.url,
      model: "m",
      timeoutMs: 60_000,
      maxRetries: 0,
    });
    const controller = new AbortController();
    const pending = backend.reply(sampleTurn(), { signal: controller.signal }).catch((e: unknown) => e);
    const deadline = Date.now() + 5000;
    while (server.requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect(isGatewayError(await pending, "AGENT_ABORTED")).toBe(true);
  });
});
