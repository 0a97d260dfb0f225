import { PassThrough } from "node:stream";
import { waitFor } from "@imgate/imsg-sim/testing";
import { describe, expect, it } from "vitest";
import type { Message } from "vscode-jsonrpc";
import { type DroppedLineError, NdjsonMessageReader, type NullIdError } from "./ndjson-message-reader.ts";
import { createStats } from "./rpc-stats.ts";

describe("NdjsonMessageReader", () => {
  it("delivers valid lines, counts and reports bad ones, and surfaces id:null errors", async () => {
    const stream = new PassThrough();
    const stats = createStats();
    const reader = new NdjsonMessageReader(stream, { stats, maxLineBytes: 100 });
    const messages: Message[] = [];
    const dropped: string[] = [];
    const nullIds: NullIdError[] = [];
    reader.onError((error) => dropped.push((error as DroppedLineError).reason));
    reader.onNullIdError((error) => nullIds.push(error));
    let closed = false;
    reader.onClose(() => {
      closed = true;
    });
    reader.listen((message) => messages.push(message));

    stream.write('{"jsonrpc":"2.0","id":1,"result":{}}\r\n');
    stream.write("not json\n");
    stream.write(Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]));
    stream.write("[1,2]\n   \n");
    stream.write(`{"jsonrpc":"2.0","method":"message","params":{"x":"${"y".repeat(200)}"}}\n`);
    stream.write(
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error","data":"bad"}}\n',
    );
    stream.end('{"jsonrpc":"2.0","method":"error","params":{}}');
    await waitFor(() => closed, "reader close");

    expect(
      messages.map((m) => (m as { method?: string; id?: number }).method ?? (m as { id?: number }).id),
    ).toEqual([1, "error"]);
    expect(dropped).toEqual(["invalid-json", "invalid-utf8", "not-a-message", "oversized"]);
    expect(nullIds).toEqual([{ code: -32700, message: "Parse error", data: "bad" }]);
    expect(stats).toMatchObject({
      linesIn: 6,
      invalidJson: 2,
      invalidUtf8: 1,
      oversizedLines: 1,
      nullIdErrors: 1,
    });
  });

  it("drops objects that are not JSON-RPC messages (deeply nested ones included) before vscode-jsonrpc sees them", async () => {
    const stream = new PassThrough();
    const stats = createStats();
    const reader = new NdjsonMessageReader(stream, { stats });
    const messages: Message[] = [];
    const dropped: string[] = [];
    reader.onError((error) => dropped.push((error as DroppedLineError).reason));
    let closed = false;
    reader.onClose(() => {
      closed = true;
    });
    reader.listen((message) => messages.push(message));

    stream.write(`${'{"a":'.repeat(3000)}1${"}".repeat(3000)}\n`);
    stream.write('{"id":5,"nothing":true}\n');
    stream.write('{"method":"x","id":{}}\n');
    stream.write('{"jsonrpc":"2.0","id":"k","result":null,"error":{"code":1,"message":"m"}}\n');
    stream.end('{"jsonrpc":"2.0","method":"message","params":{}}\n');
    await waitFor(() => closed, "reader close");

    expect(dropped).toEqual(["not-a-message", "not-a-message", "not-a-message"]);
    expect(messages).toHaveLength(2);
    expect(stats.invalidJson).toBe(3);
  });
});
