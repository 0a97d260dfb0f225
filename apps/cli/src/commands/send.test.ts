/**
 * `imgate send` against a stand-in control API (a real loopback HTTP server): what the CLI asks for
 * (wait, waitMs) and how it reads the gateway's answers — validated with zod, never trusted.
 * The real gateway and imsg-sim paths are in tests-e2e/src/send-validation.test.ts.
 */
import { join } from "node:path";
import { type LoopbackServer, sendJson, startLoopbackServer } from "@imgate/gateway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDirs, runCli } from "../testing/run-cli.ts";
import { writeSimConfig } from "../testing/sim-config.ts";

/** What the stand-in answers next: HTTP status and body. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };
let server: LoopbackServer;
let home: string;
let config: string;

beforeAll(async () => {
  server = await startLoopbackServer((_request, response) => sendJson(response, answer.status, answer.body));
  home = makeTempDir();
  const port = Number(new URL(server.url).port);
  config = writeSimConfig({ home, db: join(home, "chat.db"), stateDir: join(home, "state"), port });
});
afterAll(async () => {
  await server?.close();
  removeTempDirs();
});

const send = (...args: string[]) => runCli(["send", ...args, "--config", config], { env: { HOME: home } });

describe("imgate send through a gateway's control API", () => {
  it("asks the gateway to wait (or not), and reports a failed outcome with its reason and exit 1", async () => {
    answer = {
      status: 422,
      body: {
        accountId: "default",
        outboxIds: ["7"],
        status: "failed",
        error: { code: "contact_unresolved", message: 'imsg could not resolve the contact name "Bob".' },
      },
    };
    const human = await send("Bob", "hi", "--timeout", "3");
    expect(human.code).toBe(1);
    expect(human.stderr).toBe('imgate: Not sent: imsg could not resolve the contact name "Bob".\n');
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({
      target: "Bob",
      text: "hi",
      wait: true,
      waitMs: 3000,
    });

    answer = { status: 202, body: { accountId: "default", outboxIds: ["8"], status: "queued" } };
    const queued = await send("chat_id:4", "hi", "--no-wait", "--json");
    expect(queued.code).toBe(0);
    expect(JSON.parse(queued.stdout)).toEqual({
      target: "chat_id:4",
      via: "gateway",
      accountId: "default",
      status: "queued",
      outboxIds: ["8"],
    });
    expect(JSON.parse(server.requests.at(-1)!.body)).toMatchObject({ wait: false });
  });

  it("maps refusals to exit codes (400 → 2, 404 → 1) with the gateway's code in --json", async () => {
    answer = { status: 400, body: { error: { code: "invalid_target", message: 'Unknown prefix "foo:".' } } };
    const bad = await send("foo:bar", "hi", "--json");
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toEqual({
      target: "foo:bar",
      status: "refused",
      error: { code: "invalid_target", message: 'Unknown prefix "foo:".' },
    });
    answer = { status: 404, body: { error: { code: "chat_not_found", message: "No chat chat_id:9." } } };
    const missing = await send("chat_id:9", "hi");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("imgate: No chat chat_id:9.\n");
  });

  it("refuses to guess from an answer that does not validate", async () => {
    answer = { status: 200, body: { status: "delivered-ish", accountId: 7 } };
    const run = await send("chat_id:4", "hi", "--json");
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: "refused",
      error: { code: "CLI_FAILED", message: expect.stringContaining("unexpected body (HTTP 200)") },
    });
  });
});
