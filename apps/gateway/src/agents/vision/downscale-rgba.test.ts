import { describe, expect, it } from "vitest";
import { downscaleRgba } from "./downscale-rgba.ts";

function solid(width: number, height: number, rgba: [number, number, number, number]) {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { width, height, data };
}

describe("downscaleRgba", () => {
  it("keeps the aspect ratio with the longer edge at the limit", () => {
    const out = downscaleRgba(solid(4032, 3024, [10, 20, 30, 255]), 2048);
    expect([out.width, out.height]).toEqual([2048, 1536]);
    expect(Array.from(out.data.slice(0, 4))).toEqual([10, 20, 30, 255]);
  });

  it("averages each source area (a black/white checkerboard becomes grey)", () => {
    const board = solid(4, 4, [0, 0, 0, 255]);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++)
        if ((x + y) % 2 === 0) board.data.set([255, 255, 255, 255], (y * 4 + x) * 4);
    const out = downscaleRgba(board, 2);
    expect(Array.from(out.data.slice(0, 4))).toEqual([128, 128, 128, 255]);
  });

  it("returns a small image unchanged", () => {
    const image = solid(100, 50, [1, 2, 3, 4]);
    expect(downscaleRgba(image, 2048)).toBe(image);
  });
});
