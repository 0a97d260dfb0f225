import { isUtf8 } from "node:buffer";
import type { Readable } from "node:stream";
import {
  AbstractMessageReader,
  type DataCallback,
  type Disposable,
  Emitter,
  type Event,
  Message,
} from "vscode-jsonrpc";
import { LineSplitter } from "./line-splitter.ts";
import { type Logger, silentLogger } from "./logger.ts";
import { createStats, type ImsgRpcStats } from "./rpc-stats.ts";

/** imsg lines are small; 16 MiB leaves room for huge histories while bounding memory. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Why a line from imsg was skipped. */
export type DroppedLineReason = "oversized" | "invalid-utf8" | "invalid-json" | "not-a-message";

/** The reader's error event payload: a skipped line. Never fatal. */
export class DroppedLineError extends Error {
  readonly reason: DroppedLineReason;
  readonly bytes: number;
  constructor(reason: DroppedLineReason, bytes: number, detail: string) {
    super(`Skipped a ${bytes}-byte line from imsg (${reason}): ${detail}`);
    this.name = "DroppedLineError";
    this.reason = reason;
    this.bytes = bytes;
  }
}

/** A JSON-RPC error response whose `id` is `null`: imsg could not parse or attribute a request (§2.2). */
export interface NullIdError {
  code: number;
  message: string;
  data?: unknown;
}

/** Options of {@link NdjsonMessageReader}. */
export interface NdjsonReaderOptions {
  /** Longest accepted line in bytes (default 16 MiB). Longer lines are skipped. */
  maxLineBytes?: number;
  logger?: Logger;
  /** Counters to update (shared across restarts by the client). */
  stats?: ImsgRpcStats;
}

const PREVIEW_CHARS = 120;

/**
 * vscode-jsonrpc `MessageReader` for imsg's framing: one JSON object per `\n`-terminated line
 * (`\r\n` tolerated). Bad lines are counted, logged and reported through `onError`, never fatal.
 */
export class NdjsonMessageReader extends AbstractMessageReader {
  readonly #readable: Readable;
  readonly #logger: Logger;
  readonly #stats: ImsgRpcStats;
  readonly #splitter: LineSplitter;
  readonly #nullIdEmitter = new Emitter<NullIdError>();
  #callback: DataCallback | undefined;
  #closed = false;
  #delivered = 0;

  constructor(readable: Readable, options: NdjsonReaderOptions = {}) {
    super();
    this.#readable = readable;
    this.#logger = options.logger ?? silentLogger;
    this.#stats = options.stats ?? createStats();
    this.#splitter = new LineSplitter(
      options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      (line) => this.#onLine(line),
      (bytes) => {
        this.#stats.oversizedLines++;
        this.#drop("oversized", bytes, "longer than maxLineBytes; discarded up to its newline");
      },
    );
  }

  /** Error responses with `id: null`; they answer no pending request, so they surface here. */
  get onNullIdError(): Event<NullIdError> {
    return this.#nullIdEmitter.event;
  }

  /** Bytes of the current partial line held in memory (never above `maxLineBytes`). */
  get bufferedBytes(): number {
    return this.#splitter.bufferedBytes;
  }

  /** Messages handed to the listener so far. */
  get delivered(): number {
    return this.#delivered;
  }

  /** The largest {@link bufferedBytes} seen so far. */
  get highWaterBytes(): number {
    return this.#splitter.highWaterBytes;
  }

  listen(callback: DataCallback): Disposable {
    this.#callback = callback;
    const onData = (chunk: Buffer | string) => {
      this.#splitter.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
      const held = this.#splitter.highWaterBytes;
      if (held > this.#stats.peakBufferedLineBytes) this.#stats.peakBufferedLineBytes = held;
    };
    const onEnd = () => {
      this.#splitter.end();
      this.#close();
    };
    const onError = (error: Error) => this.fireError(error);
    this.#readable.on("data", onData);
    this.#readable.on("end", onEnd);
    this.#readable.on("close", onEnd);
    this.#readable.on("error", onError);
    return {
      dispose: () => {
        this.#callback = undefined;
        this.#readable.off("data", onData);
        this.#readable.off("end", onEnd);
        this.#readable.off("close", onEnd);
        this.#readable.off("error", onError);
      },
    };
  }

  override dispose(): void {
    super.dispose();
    this.#nullIdEmitter.dispose();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.fireClose();
  }

  #onLine(raw: Buffer): void {
    let end = raw.length;
    if (end > 0 && raw[end - 1] === 13) end--;
    const line = end === raw.length ? raw : raw.subarray(0, end);
    if (isBlank(line)) return;
    this.#stats.linesIn++;
    if (!isUtf8(line)) {
      this.#stats.invalidUtf8++;
      this.#drop("invalid-utf8", line.length, "not valid UTF-8");
      return;
    }
    const text = line.toString("utf8");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.#stats.invalidJson++;
      this.#drop("invalid-json", line.length, `${(error as Error).message}; starts with ${preview(text)}`);
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.#stats.invalidJson++;
      this.#drop("not-a-message", line.length, `not a JSON object; starts with ${preview(text)}`);
      return;
    }
    const message = value as Record<string, unknown>;
    if (message.id === null && message.method === undefined) {
      this.#onNullId(message);
      return;
    }
    // vscode-jsonrpc logs anything that is not a request, notification or response pretty-printed with a
    // 4-space indent: a few KB of nested JSON from imsg would become a log line of tens of MB. Drop it here.
    const candidate = message as unknown as Message;
    if (
      !Message.isRequest(candidate) &&
      !Message.isNotification(candidate) &&
      !Message.isResponse(candidate)
    ) {
      this.#stats.invalidJson++;
      this.#drop("not-a-message", line.length, `not a JSON-RPC message; starts with ${preview(text)}`);
      return;
    }
    if (!this.#callback) return;
    this.#delivered++;
    this.#callback(message as unknown as Message);
  }

  #onNullId(message: Record<string, unknown>): void {
    this.#stats.nullIdErrors++;
    const raw = (message.error ?? {}) as Record<string, unknown>;
    const error: NullIdError = {
      code: typeof raw.code === "number" ? raw.code : 0,
      message: typeof raw.message === "string" ? raw.message : "",
      data: raw.data,
    };
    this.#logger.warn(
      { code: error.code, data: error.data },
      `imsg answered an unattributable request with an error (id null): ${error.message}`,
    );
    this.#nullIdEmitter.fire(error);
  }

  #drop(reason: DroppedLineReason, bytes: number, detail: string): void {
    const error = new DroppedLineError(reason, bytes, detail);
    this.#logger.warn({ reason, bytes }, error.message);
    this.fireError(error);
  }
}

function isBlank(line: Buffer): boolean {
  for (const byte of line) {
    if (byte !== 32 && byte !== 9 && byte !== 13) return false;
  }
  return true;
}

function preview(text: string): string {
  return JSON.stringify(text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text);
}
