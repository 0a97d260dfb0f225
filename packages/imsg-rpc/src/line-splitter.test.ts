import { describe, expect, it } from "vitest";
import { LineSplitter } from "./line-splitter.ts";

function collect(max: number) {
  const lines: string[] = [];
  const oversized: number[] = [];
  const splitter = new LineSplitter(
    max,
    (line) => lines.push(line.toString("utf8")),
    (bytes) => oversized.push(bytes),
  );
  return { splitter, lines, oversized };
}

describe("LineSplitter", () => {
  it("joins lines split across chunks and keeps a final partial line for end()", () => {
    const { splitter, lines } = collect(1024);
    for (const chunk of ['{"a":', '1}\n{"b"', ':2}\n\n{"c":3}']) splitter.push(Buffer.from(chunk));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', ""]);
    splitter.end();
    expect(lines.at(-1)).toBe('{"c":3}');
  });

  it("skips a 64 MiB line with bounded memory and keeps going", () => {
    const max = 1024 * 1024;
    const { splitter, lines, oversized } = collect(max);
    splitter.push(Buffer.from('{"before":1}\n'));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let sent = 0; sent < 64 * 1024 * 1024; sent += chunk.length) {
      splitter.push(chunk);
      expect(splitter.bufferedBytes).toBeLessThanOrEqual(max);
    }
    splitter.push(Buffer.from('\n{"after":2}\n'));
    expect(lines).toEqual(['{"before":1}', '{"after":2}']);
    expect(oversized).toHaveLength(1);
    expect(splitter.highWaterBytes).toBeLessThanOrEqual(max);
  });

  it("skips an oversized line that arrives whole inside one chunk", () => {
    const { splitter, lines, oversized } = collect(8);
    splitter.push(Buffer.from("0123456789abc\nok\n"));
    expect(lines).toEqual(["ok"]);
    expect(oversized).toEqual([13]);
  });
});
