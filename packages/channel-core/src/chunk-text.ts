/**
 * Splits a reply into messages no longer than a channel's limit (behaviour reference §11.2, with the
 * imgate fixes of decision Q9: fence-aware, grapheme-safe, and `newline` mode packs paragraphs).
 *
 * Lengths are counted in UTF-16 code units (`string.length`), the unit the channel limits are given in.
 * CRLF and lone CR are normalised to LF first.
 */

/**
 * How a reply is split (config `chunkMode`):
 * - `length`: fill each chunk up to the limit, breaking at the last newline, else the last whitespace,
 *   else between two grapheme clusters;
 * - `newline`: split at blank lines (outside code fences), then pack paragraphs together up to the limit;
 *   a paragraph longer than the limit is split as in `length` mode.
 */
export type ChunkMode = "length" | "newline";

/** Options of {@link chunkText}. */
export interface ChunkTextOptions {
  /** Maximum chunk length in UTF-16 code units (config `textChunkLimit`); an integer ≥ 2. */
  limit: number;
  /** Config `chunkMode`; default `length`. */
  mode?: ChunkMode;
}

/** One chunk with what the chunker added to it, so callers (and tests) can undo the additions. */
export interface TextChunk {
  /** The message text, at most `limit` code units, never empty or whitespace-only. */
  text: string;
  /** A fence line (e.g. "```ts") prepended, followed by "\n", because the previous chunk split a fence. */
  reopenedFence?: string;
  /** A fence marker (e.g. "```") appended after a "\n" to close a fence this chunk splits. */
  closedFence?: string;
}

/** Error codes of {@link ChunkTextError}. */
export type ChunkTextErrorCode = "CHUNK_LIMIT_INVALID";

/** Thrown for unusable chunker options. */
export class ChunkTextError extends Error {
  readonly code: ChunkTextErrorCode;
  constructor(code: ChunkTextErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ChunkTextError";
    this.code = code;
  }
}

/** The smallest accepted limit: a single code point (a surrogate pair) must fit. */
export const MIN_CHUNK_LIMIT = 2;

/** Splits `text` into chunks; see {@link chunkTextDetailed} for the guarantees. */
export function chunkText(text: string, options: ChunkTextOptions): string[] {
  return chunkTextDetailed(text, options).map((chunk) => chunk.text);
}

/**
 * Splits `text` into chunks that:
 * - are never longer than `limit` code units and never empty or whitespace-only;
 * - never split a grapheme cluster (emoji ZWJ sequences, flags, combining marks) — unless a single
 *   cluster is longer than the room left, where the split falls between code points instead;
 * - close a ``` / ~~~ fence at the end of a chunk that splits it and reopen it (same marker and info
 *   string) at the start of the next — unless the fence line is so long that it would take more than
 *   half the limit, in which case the fence is treated as plain text; a fence is only closed when the
 *   chunk reopening it fits too, so every closed fence is reopened in the next chunk; when no split keeps
 *   text on both sides, one side may hold only whitespace (an empty block), and when no split fits at
 *   all, the fence is treated as plain text;
 * - rejoin to the input, up to whitespace at the break points and the added fence lines.
 * Text that fits is returned whole (one chunk), unchanged apart from line-ending normalisation.
 */
export function chunkTextDetailed(text: string, options: ChunkTextOptions): TextChunk[] {
  const { limit } = options;
  if (!Number.isInteger(limit) || limit < MIN_CHUNK_LIMIT) {
    throw new ChunkTextError(
      "CHUNK_LIMIT_INVALID",
      `The chunk limit must be an integer of at least ${MIN_CHUNK_LIMIT} (got ${String(limit)}); set textChunkLimit to a positive value such as 4000.`,
    );
  }
  const normalized = text.replace(/\r\n?/g, "\n");
  if (normalized.trim() === "") return [];
  if (normalized.length <= limit) return [{ text: normalized }];
  return (options.mode ?? "length") === "newline"
    ? chunkByParagraph(normalized, limit)
    : chunkByLength(normalized, limit);
}

/** A fenced code block in the text; indices are UTF-16 offsets. */
interface FenceSpan {
  /** Start of the opening line (its indentation included). */
  openStart: number;
  /** First index after the opening line's newline. */
  bodyStart: number;
  /** Start of the closing line, or the text length for an unclosed fence. */
  closeStart: number;
  /** End of the closing line (before its newline), or the text length. */
  closeEnd: number;
  /** Marker and info string of the opening line, e.g. "```ts". */
  opener: string;
  /** The marker run that closes it, e.g. "```". */
  closer: string;
}

const OPEN_FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const CLOSE_FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

/** Finds fenced blocks (CommonMark-style: at most 3 spaces of indent; a closer uses the same character and is at least as long). */
function findFences(text: string): FenceSpan[] {
  const fences: FenceSpan[] = [];
  let open: { openStart: number; bodyStart: number; opener: string; marker: string } | undefined;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);
    if (!open) {
      const match = OPEN_FENCE.exec(line);
      const marker = match?.[1];
      const info = match?.[2] ?? "";
      if (marker && !(marker.startsWith("`") && info.includes("`"))) {
        open = {
          openStart: lineStart,
          bodyStart: newline === -1 ? text.length : newline + 1,
          opener: `${marker}${info.trimEnd()}`,
          marker,
        };
      }
    } else {
      const marker = CLOSE_FENCE.exec(line)?.[1];
      if (marker && marker[0] === open.marker[0] && marker.length >= open.marker.length) {
        fences.push({ ...open, closer: open.marker, closeStart: lineStart, closeEnd: lineEnd });
        open = undefined;
      }
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  if (open) fences.push({ ...open, closer: open.marker, closeStart: text.length, closeEnd: text.length });
  return fences;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** `result[i] === 1` when a grapheme cluster starts at `i` (and at `text.length`). */
function graphemeBoundaries(text: string): Uint8Array {
  const boundary = new Uint8Array(text.length + 1);
  for (const segment of graphemes.segment(text)) boundary[segment.index] = 1;
  boundary[text.length] = 1;
  return boundary;
}

const WHITESPACE = /\s/;

interface Cut {
  /** End of this chunk's source text (exclusive). */
  end: number;
  /** Where the next chunk's source text starts (after a consumed separator). */
  next: number;
}

function chunkByLength(text: string, limit: number): TextChunk[] {
  const n = text.length;
  const boundary = graphemeBoundaries(text);
  // A fence is only worth reopening when its lines leave at least half the limit for content.
  const fences = findFences(text).filter(
    (f) => f.opener.length + f.closer.length + 2 <= Math.floor(limit / 2),
  );
  const splitFence = (cut: number) => fences.find((f) => f.openStart < cut && cut < f.closeEnd);
  const isSeparator = (i: number, test: (ch: string) => boolean) =>
    boundary[i] === 1 && boundary[i + 1] === 1 && test(text[i] as string);
  const tiers: Array<(i: number) => Cut | undefined> = [
    (i) => (isSeparator(i, (ch) => ch === "\n") ? { end: i, next: i + 1 } : undefined),
    (i) => (isSeparator(i, (ch) => WHITESPACE.test(ch)) ? { end: i, next: i + 1 } : undefined),
    (i) => (boundary[i] === 1 ? { end: i, next: i } : undefined),
  ];

  type Pass = "strict" | "relaxed" | "plain";
  /** A possible next chunk; `closes` is the fence it closes, which the chunk after it must reopen. */
  type Candidate = { chunk: TextChunk; cut: Cut; closes?: FenceSpan };

  // The chunks that could start at `pos` (after any leading whitespace when nothing is carried), best
  // first. Each pass only matters when the previous one yields nothing usable: `relaxed` accepts a split
  // that leaves only whitespace on one side of a fence (it shows as an empty block but stays
  // well-formed); `plain` treats the fences as plain text (never with a fence carried, whose chunks must
  // close it) but still keeps grapheme clusters whole.
  function* candidates(pos: number, carry: FenceSpan | undefined): Generator<Candidate> {
    const prefix = carry ? `${carry.opener}\n` : "";
    const rest = text.slice(pos).trimEnd();
    if (prefix.length + rest.length <= limit) {
      if (rest.trim() !== "")
        yield { chunk: withFences({ text: prefix + rest }, carry, undefined), cut: { end: n, next: n } };
      return;
    }

    let maxEnd = pos + (limit - prefix.length);
    while (maxEnd > pos && boundary[maxEnd] !== 1) maxEnd--;

    const evaluate = (cut: Cut, pass: Pass): Candidate | undefined => {
      const fence = pass === "plain" ? undefined : splitFence(cut.end);
      const body = text.slice(pos, cut.end).trimEnd();
      if (body.trim() === "") return undefined;
      if (!fence) return { chunk: withFences({ text: prefix + body }, carry, undefined), cut };
      // Never split inside the fence lines themselves, and (unless relaxed) never leave an empty fence on
      // either side.
      if (cut.end < fence.bodyStart) return undefined;
      if (pass === "strict") {
        const ownBodyStart = Math.max(fence.bodyStart, pos);
        if (text.slice(ownBodyStart, cut.end).trim() === "") return undefined;
        if (text.slice(cut.next, fence.closeStart).trim() === "") return undefined;
      }
      const closed = `${prefix}${body}\n${fence.closer}`;
      if (closed.length > limit) return undefined;
      return { chunk: withFences({ text: closed }, carry, fence), cut, closes: fence };
    };

    const passes: Pass[] = carry ? ["strict", "relaxed"] : ["strict", "relaxed", "plain"];
    for (const pass of passes) {
      for (const tier of tiers) {
        for (let i = maxEnd; i > pos; i--) {
          const cut = tier(i);
          const candidate = cut && evaluate(cut, pass);
          if (candidate) yield candidate;
        }
      }
    }
  }

  // Starts inside a fence from which its reopened chunks cannot be cut. Keyed by position alone: a start
  // inside (or right after a cut inside) a fence belongs to exactly one fence.
  const deadEnds = new Set<number>();

  // The best run of chunks from `pos` that ends outside any fence: a chunk may only close a fence when
  // the chunk reopening it can itself be cut, and so on, so a closed fence is always reopened. A
  // depth-first search over candidates with an explicit stack (a long fence with a small limit is
  // thousands of chunks deep); `undefined` when no candidate fits at all.
  const chooseRun = (start: number): Candidate[] | undefined => {
    const frames: Array<{ start: number; options: Generator<Candidate>; chosen?: Candidate }> = [
      { start, options: candidates(start, undefined) },
    ];
    for (let frame = frames.at(-1); frame; frame = frames.at(-1)) {
      const next = frame.options.next();
      if (next.done) {
        frames.pop();
        if (frames.length > 0) deadEnds.add(frame.start);
        continue;
      }
      const candidate = next.value;
      frame.chosen = candidate;
      if (!candidate.closes) return frames.flatMap((f) => (f.chosen ? [f.chosen] : []));
      if (deadEnds.has(candidate.cut.next)) continue;
      frames.push({ start: candidate.cut.next, options: candidates(candidate.cut.next, candidate.closes) });
    }
    return undefined;
  };

  const chunks: TextChunk[] = [];
  let pos = 0;
  while (pos < n) {
    while (pos < n && isSeparator(pos, (ch) => WHITESPACE.test(ch))) pos++;
    if (pos >= n) break;
    const run = chooseRun(pos);
    const last = run?.at(-1);
    if (run && last) {
      chunks.push(...run.map((candidate) => candidate.chunk));
      pos = last.cut.next;
      continue;
    }
    // Pathological: one grapheme cluster longer than the room left. Cut between code points so the
    // limit still holds.
    let end = Math.min(n, pos + limit);
    if (end < n && isLowSurrogate(text.charCodeAt(end)) && end - 1 > pos) end--;
    const piece = text.slice(pos, end);
    if (piece.trim() !== "") chunks.push({ text: piece });
    pos = end;
  }
  return chunks;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function withFences(
  chunk: TextChunk,
  reopened: FenceSpan | undefined,
  closed: FenceSpan | undefined,
): TextChunk {
  const result: TextChunk = { text: chunk.text };
  if (reopened) result.reopenedFence = reopened.opener;
  if (closed) result.closedFence = closed.closer;
  return result;
}

const BLANK_LINES = /\n(?:[ \t]*\n)+/g;

function chunkByParagraph(text: string, limit: number): TextChunk[] {
  const fences = findFences(text);
  const paragraphs: string[] = [];
  let start = 0;
  for (const match of text.matchAll(BLANK_LINES)) {
    const at = match.index;
    if (fences.some((f) => f.openStart < at && at < f.closeEnd)) continue;
    paragraphs.push(text.slice(start, at));
    start = at + match[0].length;
  }
  paragraphs.push(text.slice(start));

  const chunks: TextChunk[] = [];
  let current: string | undefined;
  const flush = () => {
    if (current !== undefined) chunks.push({ text: current });
    current = undefined;
  };
  for (const raw of paragraphs) {
    const paragraph = raw.trimEnd();
    if (paragraph.trim() === "") continue;
    if (paragraph.length > limit) {
      flush();
      chunks.push(...chunkByLength(paragraph, limit));
    } else if (current === undefined) {
      current = paragraph;
    } else if (current.length + 2 + paragraph.length <= limit) {
      current = `${current}\n\n${paragraph}`;
    } else {
      flush();
      current = paragraph;
    }
  }
  flush();
  return chunks;
}
