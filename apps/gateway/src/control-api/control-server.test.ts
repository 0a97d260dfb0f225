import { silentLogger } from "@imgate/channel-core";
import { afterEach, describe, expect, it } from "vitest";
import { isGatewayError } from "../errors/gateway-error.ts";
import { createGatewayMetrics } from "../metrics/gateway-metrics.ts";
import { ControlApiHttpError } from "./control-api-http-error.ts";
import type { ControlApiHandlers, SendResult } from "./control-api-types.ts";
import { type ControlServer, startControlServer } from "./control-server.ts";

let server: ControlServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function fakeHandlers(
  overrides: Partial<ControlApiHandlers> = {},
): ControlApiHandlers & { approved: string[]; sent: unknown[] } {
  const approved: string[] = [];
  const sent: unknown[] = [];
  const metrics = createGatewayMetrics();
  metrics.messagesIn.inc({ account: "default" }, 3);
  metrics.messagesDropped.inc({ account: "default", reason: "policy" });
  metrics.agentLatency.observe({ agent: "main", backend: "echo" }, 0.02);
  metrics.agentLatency.observe({ agent: "main", backend: "echo" }, 3);
  return {
    approved,
    sent,
    readiness: () => ({
      ready: true,
      accounts: [{ accountId: "default", state: "running", transport: "local", restarts: 0 }],
    }),
    metrics: () => metrics.registry.render(),
    listPairing: () => [{ channel: "imessage", code: "ABCD2345", sender: "+15550001111" }],
    approvePairing: async (request) => {
      if (request.code !== "GOODCODE")
        throw new ControlApiHttpError(404, "PAIRING_CODE_NOT_FOUND", "No pending request with that code.");
      approved.push(request.code);
      return { channel: request.channel, sender: "+15550001111", notified: request.notify };
    },
    send: async (request) => {
      sent.push(request);
      return { accountId: "default", outboxIds: ["1"], status: "queued" };
    },
    pause: () => ({ action: "paused", accounts: [{ accountId: "default", paused: true, queued: 0 }] }),
    resume: () => ({ action: "resumed", accounts: [{ accountId: "default", paused: false, queued: 0 }] }),
    ...overrides,
  };
}

async function start(token: string | undefined, handlers = fakeHandlers()) {
  server = await startControlServer({
    host: "127.0.0.1",
    port: 0,
    token,
    tokenEnv: "IMGATE_TOKEN",
    handlers,
    logger: silentLogger,
  });
  return { server, handlers };
}

/** Parses Prometheus text format strictly enough to catch malformed output. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const sampleLine =
    /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN)$/;
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    samples.set(line.slice(0, line.lastIndexOf(" ")), Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return samples;
}

describe("control API", () => {
  it("serves healthz and readyz without a token on loopback when none is configured", async () => {
    const { server } = await start(undefined);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { accounts: unknown[] }).accounts).toHaveLength(1);
  });

  it("answers 503 from readyz when not ready", async () => {
    const { server } = await start(
      undefined,
      fakeHandlers({ readiness: () => ({ ready: false, accounts: [] }) }),
    );
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
  });

  it("requires the token on every endpoint when one is configured", async () => {
    const { server } = await start("s3cret-token");
    for (const path of ["/healthz", "/readyz", "/metrics", "/v1/pairing"]) {
      expect((await fetch(`${server.url}${path}`)).status).toBe(401);
      expect(
        (await fetch(`${server.url}${path}`, { headers: { authorization: "Bearer wrong" } })).status,
      ).toBe(401);
      expect(
        (await fetch(`${server.url}${path}`, { headers: { authorization: "Bearer s3cret-token" } })).status,
      ).toBe(200);
    }
    const send = await fetch(`${server.url}/v1/send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ target: "chat_id:1", text: "x" }),
    });
    expect(send.status).toBe(401);
  });

  it("refuses to start on a non-loopback address without a token", async () => {
    const error = await startControlServer({
      host: "0.0.0.0",
      port: 0,
      token: undefined,
      tokenEnv: "IMGATE_TOKEN",
      handlers: fakeHandlers(),
      logger: silentLogger,
    }).catch((e: unknown) => e);
    expect(isGatewayError(error, "CONTROL_API_UNSAFE")).toBe(true);
    expect((error as Error).message).toContain("IMGATE_TOKEN");
  });

  it("serves metrics that parse as Prometheus text", async () => {
    const { server } = await start(undefined);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const samples = parsePrometheus(await response.text());
    expect(samples.get('imgate_messages_in_total{account="default"}')).toBe(3);
    expect(samples.get('imgate_messages_dropped_total{account="default",reason="policy"}')).toBe(1);
    expect(samples.get('imgate_agent_latency_seconds_bucket{agent="main",backend="echo",le="0.05"}')).toBe(1);
    expect(samples.get('imgate_agent_latency_seconds_bucket{agent="main",backend="echo",le="+Inf"}')).toBe(2);
    expect(samples.get('imgate_agent_latency_seconds_count{agent="main",backend="echo"}')).toBe(2);
  });

  it("lists and approves pairing requests, validating the body", async () => {
    const { server, handlers } = await start("tok-1234");
    const auth = { authorization: "Bearer tok-1234", "content-type": "application/json" };
    const list = await fetch(`${server.url}/v1/pairing`, { headers: auth });
    expect(((await list.json()) as { requests: unknown[] }).requests).toHaveLength(1);
    const ok = await fetch(`${server.url}/v1/pairing/approve`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ code: "GOODCODE", notify: true }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ channel: "imessage", sender: "+15550001111", notified: true });
    expect(handlers.approved).toEqual(["GOODCODE"]);
    const invalid = await fetch(`${server.url}/v1/pairing/approve`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ code: 5 }),
    });
    expect(invalid.status).toBe(400);
    const extra = await fetch(`${server.url}/v1/pairing/approve`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ code: "GOODCODE", x: 1 }),
    });
    expect(extra.status).toBe(400);
  });

  it("rate limits wrong pairing codes", async () => {
    const { server, handlers } = await start(undefined);
    const post = (code: string) =>
      fetch(`${server.url}/v1/pairing/approve`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await post("WRONGCODE")).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
    expect((await post("GOODCODE")).status).toBe(429);
    expect(handlers.approved).toEqual([]);
  });

  it("accepts a send, and caps the body size", async () => {
    const { server, handlers } = await start(undefined);
    const headers = { "content-type": "application/json" };
    const ok = await fetch(`${server.url}/v1/send`, {
      method: "POST",
      headers,
      body: JSON.stringify({ target: "chat_id:42", text: "hi" }),
    });
    expect(ok.status).toBe(202);
    expect(handlers.sent).toEqual([{ target: "chat_id:42", text: "hi", wait: true, waitMs: 10_000 }]);
    const big = await fetch(`${server.url}/v1/send`, {
      method: "POST",
      headers,
      body: JSON.stringify({ target: "chat_id:42", text: "x".repeat(70_000) }),
    }).catch((e: unknown) => e);
    if (big instanceof Response) expect(big.status).toBe(413);
    else expect(big).toBeInstanceOf(Error);
    expect(handlers.sent).toHaveLength(1);
    expect((await fetch(`${server.url}/v1/send`)).status).toBe(405);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it("answers a send with the status of its outcome, and validates wait/waitMs", async () => {
    const outcomes: SendResult[] = [
      { accountId: "default", outboxIds: ["1"], status: "sent" },
      { accountId: "default", outboxIds: ["2"], status: "queued" },
      {
        accountId: "default",
        outboxIds: ["3"],
        status: "uncertain",
        error: { code: "send_pending", message: "m" },
      },
      {
        accountId: "default",
        outboxIds: ["4"],
        status: "failed",
        error: { code: "contact_unresolved", message: "m" },
      },
      {
        accountId: "default",
        outboxIds: ["5"],
        status: "failed",
        error: { code: "send_failed", message: "m" },
      },
    ];
    const { server } = await start(undefined, fakeHandlers({ send: async () => outcomes.shift()! }));
    const post = (body: object) =>
      fetch(`${server.url}/v1/send`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ target: "chat_id:42", text: "hi", ...body }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post({})).status);
    expect(statuses).toEqual([200, 202, 202, 422, 502]);
    const bad = await post({ waitMs: 999_999 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/waitMs/);
    expect((await post({ wait: "no" })).status).toBe(400);
  });
});
