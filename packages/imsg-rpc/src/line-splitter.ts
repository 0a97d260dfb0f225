/**
 * Splits a byte stream into `\n`-terminated lines with bounded memory: a line longer than
 * `maxLineBytes` is reported once and discarded up to its newline without ever being held whole.
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #onLine: (line: Buffer) => void;
  readonly #onOversized: (bytesSeen: number) => void;
  #parts: Buffer[] = [];
  #buffered = 0;
  #highWater = 0;
  #discarding = false;

  /**
   * @param maxLineBytes longest line (without its newline) that is delivered.
   * @param onLine receives each line without its `\n` (a trailing `\r` is left for the caller).
   * @param onOversized called once per skipped line, as soon as it is known to be too long.
   */
  constructor(
    maxLineBytes: number,
    onLine: (line: Buffer) => void,
    onOversized: (bytesSeen: number) => void,
  ) {
    this.#maxLineBytes = maxLineBytes;
    this.#onLine = onLine;
    this.#onOversized = onOversized;
  }

  /** Bytes of the current partial line held in memory; never above `maxLineBytes`. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** The largest `bufferedBytes` ever reached. */
  get highWaterBytes(): number {
    return this.#highWater;
  }

  /** Feeds the next chunk. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline === -1) break;
      if (this.#discarding) {
        this.#discarding = false;
      } else {
        const length = this.#buffered + newline - start;
        if (length > this.#maxLineBytes) {
          this.#drop();
          this.#onOversized(length);
        } else if (this.#buffered === 0) {
          this.#onLine(chunk.subarray(start, newline));
        } else {
          this.#parts.push(chunk.subarray(start, newline));
          const line = Buffer.concat(this.#parts, length);
          this.#drop();
          this.#onLine(line);
        }
      }
      start = newline + 1;
    }
    if (start >= chunk.length || this.#discarding) return;
    const rest = chunk.length - start;
    if (this.#buffered + rest > this.#maxLineBytes) {
      const seen = this.#buffered + rest;
      this.#drop();
      this.#discarding = true;
      this.#onOversized(seen);
      return;
    }
    // Copy: the caller may reuse its chunk, and a small copy must not pin a large pooled buffer.
    this.#parts.push(Buffer.from(chunk.subarray(start)));
    this.#buffered += rest;
    if (this.#buffered > this.#highWater) this.#highWater = this.#buffered;
  }

  /** Delivers a final line that had no newline (a peer that died mid-write leaves one). */
  end(): void {
    if (!this.#discarding && this.#buffered > 0) {
      const line = Buffer.concat(this.#parts, this.#buffered);
      this.#drop();
      this.#onLine(line);
    }
    this.#drop();
    this.#discarding = false;
  }

  #drop(): void {
    this.#parts = [];
    this.#buffered = 0;
  }
}
