import { afterEach, describe, expect, it } from "vitest";
import { isGatewayError } from "../errors/gateway-error.ts";
import { type LoopbackServer, startLoopbackServer } from "../testing/loopback-server.ts";
import { sampleTurn } from "../testing/sample-turn.ts";
import { createWebhookBackend } from "./webhook-backend.ts";
import { createWebhookVerifier, signWebhookBody, WebhookSignatureError } from "./webhook-signature.ts";

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SECRET = "whsec-test-0123456789";
const signal = new AbortController().signal;

/** A real receiver: verifies every request and answers 401 on failure, else echoes the turn text. */
async function startReceiver(now?: () => number) {
  const verifier = createWebhookVerifier({ secret: SECRET, replayWindowSec: 300, ...(now ? { now } : {}) });
  const outcomes: string[] = [];
  const receiver = await startLoopbackServer((req, res) => {
    try {
      verifier.verify({ headers: req.headers, body: req.body });
      outcomes.push("ok");
      const turn = JSON.parse(req.body);
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ text: `got: ${turn.text}` }));
    } catch (error) {
      outcomes.push(error instanceof WebhookSignatureError ? error.reason : "error");
      res.writeHead(401).end();
    }
  });
  return { receiver, outcomes };
}

describe("webhook backend and verifier", () => {
  it("signs the turn so a real receiver verifies it, and uses the JSON reply", async () => {
    const { receiver, outcomes } = await startReceiver();
    server = receiver;
    const backend = createWebhookBackend(
      { url: `${receiver.url}/hook`, secretEnv: "HOOK_SECRET", timeoutMs: 5000, replayWindowSec: 300 },
      { env: { HOOK_SECRET: SECRET } },
    );
    const reply = await backend.reply(sampleTurn({ text: "ping" }), { signal });
    expect(reply.text).toBe("got: ping");
    expect(outcomes).toEqual(["ok"]);
    const request = receiver.requests[0]!;
    const timestamp = Number(request.headers["x-imgate-timestamp"]);
    expect(request.headers["x-imgate-signature"]).toBe(signWebhookBody(SECRET, timestamp, request.body));
  });

  it("is rejected by a receiver with a different secret", async () => {
    const { receiver, outcomes } = await startReceiver();
    server = receiver;
    const backend = createWebhookBackend(
      { url: receiver.url, secretEnv: "S", timeoutMs: 5000, replayWindowSec: 300 },
      { env: { S: "wrong-secret-value" } },
    );
    const error = await backend.reply(sampleTurn(), { signal }).catch((e: unknown) => e);
    expect(isGatewayError(error, "AGENT_FAILED")).toBe(true);
    expect(outcomes).toEqual(["bad-signature"]);
  });

  it("a replayed request and a stale one are rejected by the receiver", async () => {
    const { receiver, outcomes } = await startReceiver();
    server = receiver;
    const backend = createWebhookBackend(
      { url: receiver.url, secretEnv: "S", timeoutMs: 5000, replayWindowSec: 300 },
      { env: { S: SECRET } },
    );
    await backend.reply(sampleTurn(), { signal });
    const original = receiver.requests[0]!;
    // Replay the captured request byte for byte.
    const replay = await fetch(receiver.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-imgate-timestamp": String(original.headers["x-imgate-timestamp"]),
        "x-imgate-signature": String(original.headers["x-imgate-signature"]),
      },
      body: original.body,
    });
    expect(replay.status).toBe(401);
    // A correctly signed request from ten minutes ago.
    const staleBackend = createWebhookBackend(
      { url: receiver.url, secretEnv: "S", timeoutMs: 5000, replayWindowSec: 300 },
      { env: { S: SECRET }, now: () => Date.now() - 600_000 },
    );
    const error = await staleBackend.reply(sampleTurn(), { signal }).catch((e: unknown) => e);
    expect(isGatewayError(error, "AGENT_FAILED")).toBe(true);
    expect(outcomes).toEqual(["ok", "replayed", "stale"]);
  });

  it("names the missing secret variable", async () => {
    const backend = createWebhookBackend(
      { url: "http://127.0.0.1:9/", secretEnv: "NOT_SET_ANYWHERE", timeoutMs: 5000, replayWindowSec: 300 },
      { env: {} },
    );
    const error = await backend.reply(sampleTurn(), { signal }).catch((e: unknown) => e);
    expect((error as Error).message).toContain("NOT_SET_ANYWHERE");
  });

  it("rejects a reply without text", async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ answer: "x" }));
    });
    const backend = createWebhookBackend(
      { url: server.url, secretEnv: "S", timeoutMs: 5000, replayWindowSec: 300 },
      { env: { S: SECRET } },
    );
    const error = await backend.reply(sampleTurn(), { signal }).catch((e: unknown) => e);
    expect(isGatewayError(error, "AGENT_BAD_RESPONSE")).toBe(true);
  });
});
