/**
 * `attributedBody` (NSAttributedString typedstream) text extraction, the 0.9.0 algorithm of §5.3, and a
 * matching encoder so `inject --attributed-only` can write rows whose `text` column is NULL.
 */

const START = [0x01, 0x2b] as const;
const END = [0x86, 0x84] as const;

function indexOfPair(bytes: Uint8Array, pair: readonly [number, number], from: number): number {
  for (let i = from; i + 1 < bytes.length; i++) {
    if (bytes[i] === pair[0] && bytes[i + 1] === pair[1]) return i;
  }
  return -1;
}

const LEADING_CONTROL = /^[\u0000-\u001f\u007f-\u009f\ufffd]+/u;

function stripLeadingControl(text: string): string {
  return text.replace(LEADING_CONTROL, "");
}

/** Removes a typedstream length prefix when it matches the segment length (1 byte, 0x81+u16, 0x82+u32). */
function stripLengthPrefix(segment: Uint8Array): Uint8Array {
  const n = segment.length;
  const first = segment[0];
  if (first === undefined || n < 2) return segment;
  if (first < 0x80 && first === n - 1) return segment.subarray(1);
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  if (first === 0x81 && n >= 3 && view.getUint16(1, true) === n - 3) return segment.subarray(3);
  if (first === 0x82 && n >= 5 && view.getUint32(1, true) === n - 5) return segment.subarray(5);
  // Older blobs seen in the wild: 0x81 NN and 0x82 NN NN (§5.3 step 3).
  if (first === 0x81 && segment[1] === n - 2) return segment.subarray(2);
  if (first === 0x82 && n >= 3 && view.getUint16(1, true) === n - 3) return segment.subarray(3);
  return segment;
}

const utf8 = new TextDecoder("utf-8");

/** Extracts the message text from an `attributedBody` blob exactly as imsg 0.9.0 does (§5.3). */
export function decodeAttributedBody(blob: Uint8Array | null | undefined): string {
  if (!blob || blob.length === 0) return "";
  if (blob[0] === 0xff && blob[1] === 0xfe) {
    return stripLeadingControl(new TextDecoder("utf-16le").decode(blob.subarray(2)));
  }
  let best = "";
  for (let i = indexOfPair(blob, START, 0); i >= 0; i = indexOfPair(blob, START, i + 1)) {
    const end = indexOfPair(blob, END, i + 2);
    if (end < 0) break;
    const candidate = stripLeadingControl(utf8.decode(stripLengthPrefix(blob.subarray(i + 2, end))));
    if ([...candidate].length > [...best].length) best = candidate;
  }
  if (best !== "") return best;
  return stripLeadingControl(utf8.decode(blob));
}

function typedStreamLength(n: number): number[] {
  if (n < 0x80) return [n];
  if (n <= 0xffff) return [0x81, n & 0xff, n >> 8];
  return [0x82, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
}

const HEADER = [
  0x04,
  0x0b,
  ...Buffer.from("streamtyped"),
  0x81,
  0xe8,
  0x03,
  0x84,
  0x01,
  0x40,
  0x84,
  0x84,
  0x84,
  0x12,
  ...Buffer.from("NSAttributedString"),
  0x00,
  0x84,
  0x84,
  0x08,
  ...Buffer.from("NSObject"),
  0x00,
  0x85,
  0x92,
  0x84,
  0x84,
  0x84,
  0x08,
  ...Buffer.from("NSString"),
  0x01,
  0x94,
  0x84,
];
const TRAILER = [
  0x86,
  0x84,
  0x02,
  0x69,
  0x49,
  0x01,
  0x01,
  0x92,
  0x84,
  0x84,
  0x84,
  0x0c,
  ...Buffer.from("NSDictionary"),
  0x00,
  0x94,
  0x84,
  0x01,
  0x69,
  0x00,
  0x86,
  0x86,
];

/** Builds a Messages-like `attributedBody` blob (typedstream header, `01 2B <len> <utf8> 86 84`). */
export function encodeAttributedBody(text: string): Uint8Array {
  const body = Buffer.from(text, "utf8");
  return Uint8Array.from([...HEADER, ...START, ...typedStreamLength(body.length), ...body, ...TRAILER]);
}
