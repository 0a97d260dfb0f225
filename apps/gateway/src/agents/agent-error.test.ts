import { freePort } from "@imgate/imsg-sim/testing";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayError, GatewayErrorCode } from "../errors/gateway-error.ts";
import { type LoopbackServer, startLoopbackServer } from "../testing/loopback-server.ts";
import { sampleTurn } from "../testing/sample-turn.ts";
import { AgentError, classifyAgentFailure, isRetryableHttpStatus, upstreamDetail } from "./agent-error.ts";
import { createExecBackend } from "./exec-backend.ts";
import { createOpenAIBackend } from "./openai-backend.ts";
import { createWebhookBackend } from "./webhook-backend.ts";

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const signal = new AbortController().signal;

/** The rejection of `promise` (fails the test when it resolves). */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

/** An openai backend against a loopback server answering `status` with `body`. */
async function openaiFailure(status: number, body: string, timeoutMs = 5_000): Promise<unknown> {
  server = await startLoopbackServer((_req, res) => {
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  });
  const backend = createOpenAIBackend({ baseUrl: server.url, model: "m", timeoutMs, maxRetries: 0 });
  return failureOf(backend.reply(sampleTurn(), { signal }));
}

describe("classifyAgentFailure", () => {
  it.each([500, 502, 503, 429, 408])("openai HTTP %i is retryable", async (status) => {
    expect(classifyAgentFailure(await openaiFailure(status, '{"error":"busy"}'))).toBe("retryable");
  });

  it.each([400, 401, 403, 404, 422])(
    "openai HTTP %i is permanent, and keeps the body for the log",
    async (status) => {
      const error = await openaiFailure(status, '{"error":{"message":"bad request body"}}');
      expect(classifyAgentFailure(error)).toBe("permanent");
      expect(upstreamDetail(error)).toContain("bad request body");
    },
  );

  it("an openai body that is not a chat completion is retryable", async () => {
    expect(classifyAgentFailure(await openaiFailure(200, "<html>proxy error</html>"))).toBe("retryable");
    expect(classifyAgentFailure(await openaiFailure(200, '{"choices":[]}'))).toBe("retryable");
  });

  it("a refused connection and a timeout are retryable", async () => {
    const port = await freePort();
    const refused = createOpenAIBackend({
      baseUrl: `http://127.0.0.1:${port}`,
      model: "m",
      timeoutMs: 5_000,
      maxRetries: 0,
    });
    expect(classifyAgentFailure(await failureOf(refused.reply(sampleTurn(), { signal })))).toBe("retryable");

    server = await startLoopbackServer(() => new Promise(() => {}));
    const slow = createOpenAIBackend({ baseUrl: server.url, model: "m", timeoutMs: 50, maxRetries: 0 });
    const timeout = await failureOf(slow.reply(sampleTurn(), { signal }));
    expect((timeout as AgentError).code).toBe(GatewayErrorCode.AgentTimeout);
    expect(classifyAgentFailure(timeout)).toBe("retryable");
  });

  it("webhook: 5xx, invalid JSON and refused are retryable; 4xx and a missing secret are permanent", async () => {
    let status = 503;
    let body = "{}";
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    });
    const settings = { url: server.url, secretEnv: "HOOK_SECRET", timeoutMs: 5_000, replayWindowSec: 300 };
    const hook = createWebhookBackend(settings, { env: { HOOK_SECRET: "s3cret-value" } });
    const kind = async () => classifyAgentFailure(await failureOf(hook.reply(sampleTurn(), { signal })));
    expect(await kind()).toBe("retryable");
    status = 401;
    expect(await kind()).toBe("permanent");
    status = 200;
    body = "not json";
    expect(await kind()).toBe("retryable");
    const noSecret = createWebhookBackend(settings, { env: {} });
    expect(classifyAgentFailure(await failureOf(noSecret.reply(sampleTurn(), { signal })))).toBe("permanent");
    const down = createWebhookBackend(
      { ...settings, url: `http://127.0.0.1:${await freePort()}` },
      { env: { HOOK_SECRET: "s3cret-value" } },
    );
    expect(classifyAgentFailure(await failureOf(down.reply(sampleTurn(), { signal })))).toBe("retryable");
  });

  it("exec: a missing command is permanent; a crash or bad output is retryable", async () => {
    const missing = createExecBackend({ command: ["/nonexistent/imgate-agent"], timeoutMs: 5_000 });
    expect(classifyAgentFailure(await failureOf(missing.reply(sampleTurn(), { signal })))).toBe("permanent");
    const crash = createExecBackend({
      command: [process.execPath, "-e", "process.stderr.write('model crashed'); process.exit(3)"],
      timeoutMs: 5_000,
    });
    const crashed = await failureOf(crash.reply(sampleTurn(), { signal }));
    expect(classifyAgentFailure(crashed)).toBe("retryable");
    expect(upstreamDetail(crashed)).toBe("model crashed");
    const garbled = createExecBackend({
      command: [process.execPath, "-e", "process.stdout.write('not json')"],
      timeoutMs: 5_000,
    });
    expect(classifyAgentFailure(await failureOf(garbled.reply(sampleTurn(), { signal })))).toBe("retryable");
  });

  it("an abandoned call is `aborted`; anything that is not an AgentError is permanent", () => {
    const aborted = new AgentError(GatewayErrorCode.AgentAborted, "stopping", { backend: "openai" });
    expect(classifyAgentFailure(aborted)).toBe("aborted");
    expect(classifyAgentFailure(new TypeError("bug"))).toBe("permanent");
    expect(classifyAgentFailure(new GatewayError(GatewayErrorCode.ConfigInvalid, "x"))).toBe("permanent");
  });

  it("isRetryableHttpStatus and upstreamDetail truncation", () => {
    expect([400, 401, 403, 404, 409, 422].map(isRetryableHttpStatus)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect([408, 425, 429, 500, 503, 599].map(isRetryableHttpStatus)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    const long = new AgentError(GatewayErrorCode.AgentFailed, "x", { backend: "b", cause: "y".repeat(50) });
    expect(upstreamDetail(long, 10)).toBe(`${"y".repeat(10)}…`);
    expect(upstreamDetail(new Error("plain"))).toBeUndefined();
  });
});
