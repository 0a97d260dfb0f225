/** An RGBA image (4 bytes per pixel, row-major). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * Shrinks an RGBA image so its longer edge is at most `maxEdge` pixels, averaging each source area (a box
 * filter: no aliasing on the large downscales phone photos need). Smaller images come back unchanged.
 */
export function downscaleRgba(image: RgbaImage, maxEdge: number): RgbaImage {
  const longer = Math.max(image.width, image.height);
  if (longer <= maxEdge) return image;
  const scale = maxEdge / longer;
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const out = new Uint8Array(width * height * 4);
  const xRatio = image.width / width;
  const yRatio = image.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * yRatio);
    const y1 = Math.max(y0 + 1, Math.min(image.height, Math.floor((y + 1) * yRatio)));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * xRatio);
      const x1 = Math.max(x0 + 1, Math.min(image.width, Math.floor((x + 1) * xRatio)));
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = y0; sy < y1; sy++) {
        let offset = (sy * image.width + x0) * 4;
        for (let sx = x0; sx < x1; sx++) {
          r += image.data[offset] ?? 0;
          g += image.data[offset + 1] ?? 0;
          b += image.data[offset + 2] ?? 0;
          a += image.data[offset + 3] ?? 0;
          offset += 4;
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      const target = (y * width + x) * 4;
      out[target] = Math.round(r / count);
      out[target + 1] = Math.round(g / count);
      out[target + 2] = Math.round(b / count);
      out[target + 3] = Math.round(a / count);
    }
  }
  return { width, height, data: out };
}
