/**
 * How `imgate status`, `doctor` and `pairing approve --notify` read the running gateway's answers: with the
 * gateway's own zod schemas, against a stand-in control API (a real loopback HTTP server). A body that does
 * not match is one clear error naming a version mismatch, never a crash or a misread field.
 */
import { join } from "node:path";
import type { ReadinessReport } from "@imgate/gateway";
import { type LoopbackServer, sendJson, startLoopbackServer } from "@imgate/gateway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";
import { writeSimConfig } from "../testing/sim-config.ts";

/** What the stand-in answers next. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };
let server: LoopbackServer;
let home: string;
let config: string;

beforeAll(async () => {
  // `/healthz` answers as a gateway does, so doctor's control-port check sees an imgate gateway there.
  server = await startLoopbackServer((request, response) =>
    request.url === "/healthz"
      ? sendJson(response, 200, { ok: true })
      : sendJson(response, answer.status, answer.body),
  );
  home = makeTempDir();
  const port = Number(new URL(server.url).port);
  config = writeSimConfig({ home, db: join(home, "chat.db"), stateDir: join(home, "state"), port });
});
afterAll(async () => {
  await server?.close();
  removeTempDirs();
});

const cli = (...args: string[]) => runCli([...args, "--config", config], { env: { HOME: home } });

const MISMATCH = /check that imgate and the running gateway are the same version/;

const notReady: ReadinessReport = {
  ready: false,
  accounts: [
    {
      accountId: "default",
      state: "backoff",
      transport: "local",
      restarts: 2,
      lastError: "imsg exited (code 1)",
      pendingTurns: 1,
      pendingRetries: [
        {
          agentId: "main",
          sessionKey: "s",
          sender: "+15550001111",
          arrivedAt: "2026-01-01T00:00:00.000Z",
          attempts: 2,
          lastError: "HTTP 503",
          nextAttemptAt: "2026-01-01T00:01:00.000Z",
        },
      ],
    },
  ],
};

describe("gateway replies the CLI reads", () => {
  it("status prints a valid readiness report, and refuses one that does not match its schema", async () => {
    answer = { status: 503, body: notReady };
    const good = await cli("status");
    expect(good.code).toBe(1);
    expect(good.stdout).toContain(`Gateway: running at ${server.url}, not ready (HTTP 503).`);
    expect(good.stdout).toContain("imessage/default: backoff — last error: imsg exited (code 1)");
    expect(good.stdout).toContain("agent turns pending retry: 1 — oldest from +15550001111 (2 attempt(s)");

    answer = { status: 200, body: { ready: "yes", accounts: [{ id: "default" }] } };
    for (const args of [["status"], ["status", "--json"]]) {
      const bad = await cli(...args);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/The gateway answered GET \/readyz with an unexpected body \(HTTP 200, at /);
      expect(bad.stderr).toMatch(MISMATCH);
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("status shows the gateway's sentence for a refusal instead of a readiness report", async () => {
    answer = { status: 429, body: { error: { code: "rate_limited", message: "Too many requests; wait." } } };
    const run = await cli("status");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("not ready (HTTP 429)");
    expect(run.stdout).toContain("Too many requests; wait.");
  });

  it("doctor reports a readiness body that does not match as a failed gateway check", async () => {
    answer = { status: 200, body: { ready: true, accounts: "none" } };
    const run = await cli("doctor", "--json");
    const gateway = (
      JSON.parse(run.stdout) as { checks: { id: string; status: string; detail: string }[] }
    ).checks.find((check) => check.id === "gateway");
    expect(gateway).toMatchObject({ status: "fail", detail: expect.stringMatching(MISMATCH) });
    expect(run.code).toBe(1);
  });

  it("pairing approve --notify reads the gateway's approval, its refusal, and refuses a mismatched body", async () => {
    answer = { status: 200, body: { channel: "imessage", sender: "+15550001111", notified: true } };
    const good = await cli("pairing", "approve", "imessage", "ABCDEFGH", "--notify", "--json");
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ sender: "+15550001111", notified: { via: "gateway" } });

    answer = {
      status: 429,
      body: { error: { code: "rate_limited", message: "Too many wrong pairing codes." } },
    };
    const refused = await cli("pairing", "approve", "imessage", "ABCDEFGH", "--notify");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Too many wrong pairing codes.");

    const rejected =
      "The pairing request with code ABCDEFGH was rejected; +15550001111 gets no new code until later.";
    answer = { status: 404, body: { error: { code: "PAIRING_CODE_NOT_FOUND", message: rejected } } };
    const notFound = await cli("pairing", "approve", "imessage", "ABCDEFGH", "--notify");
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toContain(rejected);

    answer = { status: 200, body: { approved: true } };
    const bad = await cli("pairing", "approve", "imessage", "ABCDEFGH", "--notify");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/The gateway answered POST \/v1\/pairing\/approve with an unexpected body/);
    expect(bad.stderr).toMatch(MISMATCH);
  });
});
