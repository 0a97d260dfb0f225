/**
 * The port's results are imsg-rpc's schema-validated types: an imsg whose answer does not match the
 * declared shape reaches this package as one clear `ImsgInvalidResultError` (counted), never as a
 * half-typed object. The peer is a real child process speaking NDJSON JSON-RPC with canned answers.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createImsgClient, type ImsgClient, ImsgInvalidResultError, spawnTransport } from "@imgate/imsg-rpc";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { imsgPortFromClient } from "./imsg-port-from-client.ts";

/** An `imsg rpc` stand-in: answers each method from STANDIN_ANSWERS, else -32601 (so it is the 0.9 family). */
const STANDIN = `#!${process.execPath}
import { createInterface } from "node:readline";
const answers = JSON.parse(process.env.STANDIN_ANSWERS);
createInterface({ input: process.stdin }).on("line", (line) => {
  const request = JSON.parse(line);
  if (request.id === undefined) return;
  const reply = Object.hasOwn(answers, request.method)
    ? { jsonrpc: "2.0", id: request.id, result: answers[request.method] }
    : { jsonrpc: "2.0", id: request.id, error: { code: -32601, message: "Method not found" } };
  process.stdout.write(JSON.stringify(reply) + "\\n");
});
`;

let dir: string;
const clients: ImsgClient[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imsg-port-"));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function clientAnswering(answers: Record<string, unknown>): Promise<ImsgClient> {
  const cliPath = join(dir, "imsg.mjs");
  writeFileSync(cliPath, STANDIN);
  chmodSync(cliPath, 0o755);
  const client = createImsgClient({
    transport: spawnTransport({ cliPath, env: { STANDIN_ANSWERS: JSON.stringify(answers) } }),
    restart: { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 2 },
    stop: { graceMs: 200, termMs: 200 },
  });
  clients.push(client);
  await client.start();
  return client;
}

describe("imsgPortFromClient with an imsg whose answers do not match the protocol", () => {
  it("rejects each mismatched result with one clear, counted error and keeps the valid ones typed", async () => {
    const client = await clientAnswering({
      "chats.list": { chats: [{ id: 3, identifier: "+15550001111", is_group: false }] },
      "messages.history": { messages: [{ id: "10", text: 42 }] },
      send: { ok: "yes" },
    });
    const port = imsgPortFromClient(client);

    const chats = await port.listChats({ limit: 10 });
    expect(chats).toEqual([
      {
        id: 3,
        identifier: "+15550001111",
        guid: "",
        name: "",
        service: "",
        participants: [],
        is_group: false,
      },
    ]);

    const history = await port.history({ chat_id: 3, limit: 5 }).catch((error: unknown) => error);
    expect(history).toBeInstanceOf(ImsgInvalidResultError);
    expect((history as Error).message).toMatch(
      /^imsg answered messages\.history with an unexpected result \(.*\)\. Check the imsg version \(imsg --version\)\.$/s,
    );
    const sent = await port.send({ to: "+15550001111", text: "hi" }).catch((error: unknown) => error);
    expect(sent).toBeInstanceOf(ImsgInvalidResultError);
    expect((sent as Error).message).toMatch(/^imsg answered send with an unexpected result/);

    expect(client.stats().validationErrors).toBe(2);
    expect(client.state.status).toBe("ready");
  });
});
