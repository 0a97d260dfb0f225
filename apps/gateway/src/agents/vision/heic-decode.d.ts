// heic-decode ships no types; this is the part imgate uses (its README's `decode({ buffer })`).
declare module "heic-decode" {
  /** Decodes the primary image of a HEIC/HEIF file to RGBA pixels. */
  function decode(input: { buffer: Uint8Array | ArrayBuffer }): Promise<{
    width: number;
    height: number;
    data: Uint8ClampedArray;
  }>;
  export default decode;
}
