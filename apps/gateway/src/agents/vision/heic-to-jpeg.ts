// The package ships no types: its declaration travels with this file into every program that compiles it (the
// bench and tests-e2e compile the gateway's sources too).
/// <reference path="./heic-decode.d.ts" />
import jpeg from "jpeg-js";
import { downscaleRgba } from "./downscale-rgba.ts";

/** JPEG quality of converted photos: visually clean, a fraction of the size. */
const JPEG_QUALITY = 85;

/**
 * Converts a HEIC/HEIF photo (the iPhone's default) to JPEG, its longer edge at most `maxEdge` pixels.
 * Decoding is libheif compiled to WebAssembly (`heic-decode`), encoding is pure JavaScript (`jpeg-js`):
 * nothing native, nothing downloaded at install (docs/decisions/0013-heic-to-jpeg-in-wasm.md). Rejects when
 * the file is not a decodable HEIC/HEIF image.
 */
export async function heicToJpeg(bytes: Uint8Array, maxEdge: number): Promise<Buffer> {
  // Loaded on first use: the WebAssembly module is only compiled when a photo needs it.
  const { default: decode } = await import("heic-decode");
  const decoded = await decode({ buffer: bytes });
  const image = downscaleRgba(decoded, maxEdge);
  // jpeg-js ignores the alpha channel; HEIC photos are opaque.
  return jpeg.encode({ width: image.width, height: image.height, data: image.data }, JPEG_QUALITY).data;
}
