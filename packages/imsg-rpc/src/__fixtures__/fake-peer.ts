/**
 * An in-memory imsg peer for unit tests: a real NDJSON peer over PassThrough streams whose method
 * handlers the test supplies. Process-level behaviour is tested against the imsg-sim child process.
 */
import { PassThrough } from "node:stream";
import type { ExitInfo, ImsgProcess } from "../transport.ts";

/** Thrown by a handler to answer with a JSON-RPC error. */
export class PeerError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

export type PeerHandler = (params: Record<string, unknown>, peer: FakePeer) => unknown | Promise<unknown>;

export interface FakePeer {
  process: ImsgProcess;
  /** Every request received, in order. */
  requests: Array<{ method: string; params: Record<string, unknown> | undefined; raw: string }>;
  notify(method: string, params: unknown): void;
  writeRaw(text: string | Buffer): void;
  /** Ends the peer as if the process exited. */
  exit(code?: number): void;
}

export function createFakePeer(handlers: Record<string, PeerHandler>, describe = "fake imsg"): FakePeer {
  const stdout = new PassThrough();
  const stdin = new PassThrough();
  let settle: (exit: ExitInfo) => void = () => {};
  const exited = new Promise<ExitInfo>((resolve) => {
    settle = resolve;
  });
  let done = false;
  const peer: FakePeer = {
    process: {
      stdout,
      stdin,
      exited,
      describe,
      kill: (signal) => peer.exit(signal === "SIGKILL" ? 137 : 143),
    },
    requests: [],
    notify: (method, params) => peer.writeRaw(`${JSON.stringify({ jsonrpc: "2.0", method, params })}\n`),
    writeRaw: (text) => {
      if (!done) stdout.write(text);
    },
    exit: (code = 0) => {
      if (done) return;
      done = true;
      stdout.end();
      stdout.once("end", () => settle({ code, signal: null }));
      stdout.resume();
    },
  };
  let buffered = "";
  stdin.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
      const raw = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      void answer(raw);
    }
  });
  stdin.on("end", () => peer.exit(0));
  async function answer(raw: string): Promise<void> {
    const request = JSON.parse(raw) as { id?: number; method: string; params?: Record<string, unknown> };
    peer.requests.push({ method: request.method, params: request.params, raw });
    const handler = handlers[request.method];
    const reply = (body: object) =>
      peer.writeRaw(`${JSON.stringify({ jsonrpc: "2.0", id: request.id, ...body })}\n`);
    if (!handler) {
      reply({ error: { code: -32601, message: "Method not found", data: request.method } });
      return;
    }
    try {
      const result = await handler(request.params ?? {}, peer);
      if (result !== NO_REPLY) reply({ result });
    } catch (error) {
      if (error instanceof PeerError)
        reply({ error: { code: error.code, message: error.message, data: error.data } });
      else reply({ error: { code: -32603, message: "Internal error", data: String(error) } });
    }
  }
  return peer;
}

/** Return from a handler to leave the request unanswered. */
export const NO_REPLY = Symbol("no reply");

/** A valid message payload with `id` and optional overrides. */
export function fakeMessage(id: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    chat_id: 2,
    guid: `GUID-${id}`,
    sender: "+15551234567",
    is_from_me: false,
    text: `message ${id}`,
    created_at: "2026-01-02T03:04:05.000Z",
    attachments: [],
    reactions: [],
    chat_identifier: "chat123",
    chat_guid: "iMessage;+;chat123",
    chat_name: "Family",
    participants: ["+15551234567"],
    is_group: true,
    ...overrides,
  };
}
